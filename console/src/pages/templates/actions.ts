import { call } from '../../api/client';
import { navigate } from '../../router';

/** Starts a build of the template and opens the build's page. */
export async function startBuild(regionId: string, imagePipelineId: string): Promise<void> {
  const r = await call('StartImagePipelineExecution', { RegionId: regionId, ImagePipelineId: imagePipelineId });
  navigate(`/builds/${encodeURIComponent(r.ExecutionId)}`);
}
