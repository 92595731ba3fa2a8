import type { FastifyInstance } from 'fastify';
import { scopeFor, type App } from '../../app/app.js';
import { imageLayers } from '../../app/image-layers.js';
import { readInput } from '../operations/spec/read.js';
import { regionId } from '../operations/spec/common.js';
import { newRequestId } from '../rpc/request-id.js';
import type { RouteAuthenticator } from './authenticate-native.js';
import { sendError } from './send-error.js';

/** Path of an image's layers, signed (`nativeAuthenticator`). */
export const LAYERS_PATH = '/kiln/v1/images/:imageId/layers';

/**
 * `GET <path>?RegionId=…` (`path` ends in `:imageId`) — the image's layers, bottom first:
 * `{RequestId, ImageId, Layers: [{Digest, Size, CreatedBy, EmptyLayer: false}]}`, `CreatedBy`
 * the build step that made the layer. Images of the caller, shared with it, or system images;
 * anything else is `InvalidImageId.NotFound`. `auth` finds the caller: registered at
 * `LAYERS_PATH` signed, and for the console with its session.
 */
export function registerImageLayers(server: FastifyInstance, app: App, path: string, auth: RouteAuthenticator): void {
  server.get<{ Params: { imageId: string }; Querystring: Record<string, string> }>(path, async (req, reply) => {
    try {
      const { accountId } = await auth(req);
      const scope = scopeFor(app, accountId, readInput({ regionId }, req.query).regionId);
      const { imageId, layers } = await imageLayers(app, scope, req.params.imageId);
      const body = {
        RequestId: newRequestId(),
        ImageId: imageId,
        Layers: layers.map((l) => ({ Digest: l.digest, Size: l.size, CreatedBy: l.createdBy, EmptyLayer: false })),
      };
      return reply.header('cache-control', 'no-store').header('x-acs-request-id', body.RequestId).send(body);
    } catch (err) {
      return sendError(reply, app, err);
    }
  });
}
