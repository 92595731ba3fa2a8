import { describeTasks as describe } from '../../app/tasks.js';
import { defineRegionalOperation } from './operation.js';
import { presentTask } from './present-task.js';
import { list, str } from './spec/build.js';
import { pageNumber, pageSize } from './spec/common.js';

/** DescribeTasks: the caller's tasks in the region (ImportImage, ExportImage, CopyImage), newest first, paged by PageNumber/PageSize. */
export const describeTasks = defineRegionalOperation({
  action: 'DescribeTasks',
  summary: 'The caller\'s tasks in the region (ImportImage, ExportImage, CopyImage), newest first, paged.',
  params: {
    taskAction: str('TaskAction', { doc: 'ImportImage, ExportImage or CopyImage; another documented action (RedeployInstance, …) selects nothing.' }),
    taskIds: str('TaskIds', { doc: 'Up to 100 ids, comma-separated (InvalidParameter).' }),
    taskStatus: str('TaskStatus', { doc: 'Finished, Processing or Failed; as documented, any other value does not take effect.' }),
    startTime: str('StartTime', { doc: 'Created at or after, yyyy-MM-ddTHH:mm:ssZ in UTC (InvalidParameter).' }),
    endTime: str('EndTime', { doc: 'Created at or before, yyyy-MM-ddTHH:mm:ssZ in UTC (InvalidParameter).' }),
    resourceIds: list('ResourceIds', str('ResourceIds'), { doc: 'The tasks\' ImageIds, up to 100 (InvalidParameter).' }),
    taskGroupId: str('TaskGroupId', { doc: 'Accepted and ignored (an invitational preview; Kiln has no task groups).' }),
    pageNumber,
    pageSize,
  },
  async run({ app, scope, input: { taskGroupId: _ignored, ...query } }) {
    const page = await describe(app, scope, query);
    return {
      RegionId: scope.regionId,
      TotalCount: page.totalCount,
      PageNumber: query.pageNumber,
      PageSize: query.pageSize,
      TaskSet: { Task: page.items.map(presentTask) },
    };
  },
});
