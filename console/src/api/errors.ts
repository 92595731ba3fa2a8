/** An API answer that was not a success: the ECS error body's code and message, and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The error body every Kiln route answers with on failure (`{RequestId, Code, Message, HostId}`). */
export interface ErrorBody {
  RequestId?: string;
  Code?: string;
  Message?: string;
}
