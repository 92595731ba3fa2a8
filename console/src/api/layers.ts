import { request } from './http';

/** One layer of an image, bottom first (`GET /console/api/images/{id}/layers`). */
export interface Layer {
  Digest: string;
  /** Bytes (compressed blob). */
  Size: number;
  /** The step that made the layer (the image config's history). */
  CreatedBy: string;
  EmptyLayer: boolean;
}

/** The layers of an image the caller can see (own, shared with it, or system). */
export function imageLayers(imageId: string, regionId: string, signal?: AbortSignal): Promise<{ RequestId: string; ImageId: string; Layers: Layer[] }> {
  return request('GET', `/images/${encodeURIComponent(imageId)}/layers?RegionId=${encodeURIComponent(regionId)}`, undefined, signal);
}
