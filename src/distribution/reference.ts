import { isDigest } from '../blobs/digest.js';

/** An image in a registry: `registry/repository:tag` or `registry/repository@sha256:…`. */
export interface ImageReference {
  /** `host` or `host:port`, as written. */
  registry: string;
  repository: string;
  /** A tag or a digest. */
  reference: string;
}

// The distribution spec's grammar: lowercase path components separated by `/`.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$/;

/**
 * Parses `registry/repository[:tag|@digest]` (no tag: `latest`). The first component is always
 * the registry (there is no default registry). Throws an Error saying what is wrong.
 */
export function parseReference(text: string): ImageReference {
  const slash = text.indexOf('/');
  if (slash <= 0) throw new Error(`'${text}' is not registry/repository:tag (the registry comes first, e.g. 127.0.0.1:5000/team/app:1.0)`);
  const registry = text.slice(0, slash);
  if (!HOST.test(registry)) throw new Error(`'${registry}' is not a registry host[:port]`);
  let rest = text.slice(slash + 1);
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(reference)) throw new Error(`'${reference}' is not a sha256 digest`);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
      if (!TAG.test(reference)) throw new Error(`'${reference}' is not a valid tag`);
    }
  }
  if (rest.length === 0 || rest.length > 255 || !rest.split('/').every((c) => COMPONENT.test(c))) {
    throw new Error(`'${rest}' is not a valid repository name (lowercase letters, digits and separators)`);
  }
  return { registry, repository: rest, reference };
}

/** True when the reference names a manifest by digest rather than by tag. */
export function isDigestReference(ref: ImageReference): boolean {
  return isDigest(ref.reference);
}

/** `registry/repository:tag` or `registry/repository@digest`, for messages. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${isDigestReference(ref) ? '@' : ':'}${ref.reference}`;
}
