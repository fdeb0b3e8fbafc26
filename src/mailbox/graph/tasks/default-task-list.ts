import { ConnectorError } from '../../../domain/errors.ts';
import type { GraphPage } from '../graph-types.ts';
import type { SourceContext } from '../source-context.ts';
import type { GraphTodoTaskList } from './todo-types.ts';

/**
 * Find the id of the mailbox's default To Do list ("Tasks") by its `wellknownListName` `defaultList` among
 * `/todo/lists`, because its position in the listing is not fixed and its display name follows the mailbox's language.
 */
export async function findDefaultTaskListId(ctx: SourceContext): Promise<string> {
  let url: string | undefined = `${ctx.baseUrl}${ctx.userPath}/todo/lists`;
  while (url !== undefined) {
    const { body } = await ctx.http.sendOrThrow({ method: 'GET', url, idempotent: true, label: 'To Do lists' });
    const page = (body ?? {}) as GraphPage<GraphTodoTaskList>;
    const list = page.value?.find((candidate) => candidate.wellknownListName === 'defaultList');
    if (list) {
      return list.id;
    }
    url = page['@odata.nextLink'];
  }

  throw new ConnectorError({
    kind: 'retryLater',
    code: 'TodoDefaultListMissing',
    message: 'the mailbox has no default To Do list yet (Exchange creates it when To Do is first used), so tasks are read again in the next session',
  });
}
