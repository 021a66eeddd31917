import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { ConnectError } from '../api/errors.ts';
import type { ConnectorInfo, ConnectorStateInfo, Herder } from '../herder/herder.ts';
import { herderCall } from './herder-call.ts';
import { checkConnectorName } from './name-rules.ts';
import {
  ConfigPatch,
  ConnectorConfig,
  CreateConnectorBody,
  ListQuery,
  NameParams,
  OffsetsBody,
  queryBoolean,
  RestartQuery,
  TaskParams,
  toRawConfig,
} from './schemas.ts';

/** `/connectors/…`: Kafka Connect's ConnectorsResource, same paths, statuses and bodies. */
export function connectorRoutes(app: FastifyInstance, herder: Herder, timeoutMs: number): void {
  const call = <T>(what: string, run: () => Promise<T> | T) => herderCall(what, timeoutMs, run);
  const tags = ['connectors'];
  type Named = FastifyRequest<{ Params: Static<typeof NameParams> }>;

  app.get(
    '/connectors',
    { schema: { tags, summary: 'List connectors (expand=status, expand=info)', querystring: ListQuery } },
    async (req) => {
      const { expand } = req.query as Static<typeof ListQuery>;
      const asked = Array.isArray(expand) ? expand : expand === undefined ? [] : [expand];
      const wanted = new Set(asked.map((e) => e.toLowerCase()));
      const names = await call('listing connectors', () => herder.connectors());
      // Any expand, even one naming nothing known, answers the map (empty objects), as Kafka Connect does.
      if (asked.length === 0) return names;
      const out: Record<string, { status?: ConnectorStateInfo; info?: ConnectorInfo }> = {};
      for (const name of names) {
        try {
          out[name] = {
            ...(wanted.has('info')
              ? { info: await call(`reading connector ${name}`, () => herder.connectorInfo(name)) }
              : {}),
            ...(wanted.has('status')
              ? { status: await call(`reading status of ${name}`, () => herder.connectorStatus(name)) }
              : {}),
          };
        } catch (error) {
          // Deleted between the listing and this read: leave it out, as Kafka does.
          if (!(error instanceof ConnectError && error.code === 'seam.rest.not_found')) throw error;
        }
      }
      return out;
    },
  );

  app.post(
    '/connectors',
    { schema: { tags, summary: 'Create a connector (201 + Location)', body: CreateConnectorBody } },
    async (req, reply) => {
      const body = req.body as Static<typeof CreateConnectorBody>;
      const name = checkConnectorName(body.name.trim());
      const config = { name, ...toRawConfig(body.config) };
      const result = await call(`creating connector ${name}`, () =>
        herder.putConnectorConfig(name, config, {
          allowReplace: false,
          ...(body.initial_state ? { initialState: body.initial_state } : {}),
        }),
      );
      return reply.code(201).header('location', locationOf(req, result.info.name)).send(result.info);
    },
  );

  app.get(
    '/connectors/:name',
    { schema: { tags, summary: 'Connector info', params: NameParams } },
    async (req: Named) =>
      call(`reading connector ${req.params.name}`, () => herder.connectorInfo(req.params.name)),
  );

  app.delete(
    '/connectors/:name',
    { schema: { tags, summary: 'Delete a connector', params: NameParams } },
    async (req: Named, reply) => {
      await call(`deleting connector ${req.params.name}`, () => herder.deleteConnector(req.params.name));
      return reply.code(204).send();
    },
  );

  app.get(
    '/connectors/:name/config',
    { schema: { tags, summary: 'Raw connector config', params: NameParams } },
    async (req: Named) =>
      call(`reading config of ${req.params.name}`, () => herder.connectorConfig(req.params.name)),
  );

  app.put(
    '/connectors/:name/config',
    {
      schema: {
        tags,
        summary: 'Create (201) or replace (200) a config',
        params: NameParams,
        body: ConnectorConfig,
      },
    },
    async (req: Named, reply) => {
      const { name } = req.params;
      const exists = (await call('listing connectors', () => herder.connectors())).includes(name);
      if (!exists) checkConnectorName(name);
      const result = await call(`writing config of ${name}`, () =>
        herder.putConnectorConfig(name, toRawConfig(req.body as Static<typeof ConnectorConfig>), {
          allowReplace: true,
        }),
      );
      if (result.created) reply.code(201).header('location', locationOf(req, name));
      return reply.send(result.info);
    },
  );

  app.patch(
    '/connectors/:name/config',
    {
      schema: { tags, summary: 'Merge-patch a config (null deletes)', params: NameParams, body: ConfigPatch },
    },
    async (req: Named) => {
      const patch: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(req.body as Static<typeof ConfigPatch>))
        patch[k] = v === null ? null : String(v);
      return call(`patching config of ${req.params.name}`, () =>
        herder.patchConnectorConfig(req.params.name, patch),
      );
    },
  );

  app.get(
    '/connectors/:name/status',
    { schema: { tags, summary: 'Connector and task states', params: NameParams } },
    async (req: Named) =>
      call(`reading status of ${req.params.name}`, () => herder.connectorStatus(req.params.name)),
  );

  app.post(
    '/connectors/:name/restart',
    {
      schema: {
        tags,
        summary: 'Restart (204 connector only; 202 with includeTasks/onlyFailed)',
        params: NameParams,
        querystring: RestartQuery,
      },
    },
    async (req: Named, reply) => {
      const q = req.query as Static<typeof RestartQuery>;
      const request = {
        includeTasks: queryBoolean(q.includeTasks, false),
        onlyFailed: queryBoolean(q.onlyFailed, false),
      };
      const status = await call(`restarting ${req.params.name}`, () =>
        herder.restartConnector(req.params.name, request),
      );
      return status === null ? reply.code(204).send() : reply.code(202).send(status);
    },
  );

  const stateChange = (path: string, verb: string, code: number, run: (name: string) => Promise<void>) =>
    app.put(
      `/connectors/:name/${path}`,
      { schema: { tags, summary: `${verb} a connector (${code})`, params: NameParams } },
      async (req: Named, reply: FastifyReply) => {
        await call(`${verb.toLowerCase()} ${req.params.name}`, () => run(req.params.name));
        return reply.code(code).send();
      },
    );
  stateChange('pause', 'Pause', 202, (n) => herder.pauseConnector(n));
  stateChange('resume', 'Resume', 202, (n) => herder.resumeConnector(n));
  stateChange('stop', 'Stop', 204, (n) => herder.stopConnector(n));

  app.get(
    '/connectors/:name/tasks',
    { schema: { tags, summary: 'Task configs', params: NameParams } },
    async (req: Named) =>
      call(`reading tasks of ${req.params.name}`, () => herder.taskConfigs(req.params.name)),
  );

  app.get(
    '/connectors/:name/tasks-config',
    { schema: { tags, summary: 'Task configs by task id (deprecated)', params: NameParams } },
    async (req: Named) => {
      const tasks = await call(`reading tasks of ${req.params.name}`, () =>
        herder.taskConfigs(req.params.name),
      );
      return Object.fromEntries(tasks.map((t) => [`${t.id.connector}-${t.id.task}`, t.config]));
    },
  );

  type Tasked = FastifyRequest<{ Params: Static<typeof TaskParams> }>;
  app.get(
    '/connectors/:name/tasks/:task/status',
    { schema: { tags, summary: 'One task state', params: TaskParams } },
    async (req: Tasked) => {
      const task = taskNumber(req.params.name, req.params.task);
      return call(`reading status of ${req.params.name} task ${task}`, () =>
        herder.taskStatus(req.params.name, task),
      );
    },
  );

  app.post(
    '/connectors/:name/tasks/:task/restart',
    { schema: { tags, summary: 'Restart one task (204)', params: TaskParams } },
    async (req: Tasked, reply) => {
      const task = taskNumber(req.params.name, req.params.task);
      await call(`restarting ${req.params.name} task ${task}`, () =>
        herder.restartTask(req.params.name, task),
      );
      return reply.code(204).send();
    },
  );

  app.get(
    '/connectors/:name/topics',
    { schema: { tags, summary: 'Topics the connector has used', params: NameParams } },
    async (req: Named) => {
      const topics = await call(`reading topics of ${req.params.name}`, () =>
        herder.connectorActiveTopics(req.params.name),
      );
      return { [req.params.name]: { topics } };
    },
  );

  app.put(
    '/connectors/:name/topics/reset',
    { schema: { tags, summary: 'Forget the active topics (202)', params: NameParams } },
    async (req: Named, reply) => {
      await call(`resetting topics of ${req.params.name}`, () =>
        herder.resetConnectorActiveTopics(req.params.name),
      );
      return reply.code(202).send();
    },
  );

  app.get(
    '/connectors/:name/offsets',
    { schema: { tags: ['offsets'], summary: 'Committed offsets', params: NameParams } },
    async (req: Named) => ({
      offsets: await call(`reading offsets of ${req.params.name}`, () =>
        herder.connectorOffsets(req.params.name),
      ),
    }),
  );

  app.patch(
    '/connectors/:name/offsets',
    {
      schema: {
        tags: ['offsets'],
        summary: 'Alter offsets (connector must be STOPPED)',
        params: NameParams,
        body: OffsetsBody,
      },
    },
    async (req: Named) => {
      const { offsets } = req.body as Static<typeof OffsetsBody>;
      return {
        message: await call(`altering offsets of ${req.params.name}`, () =>
          herder.alterConnectorOffsets(req.params.name, offsets),
        ),
      };
    },
  );

  app.delete(
    '/connectors/:name/offsets',
    {
      schema: { tags: ['offsets'], summary: 'Reset offsets (connector must be STOPPED)', params: NameParams },
    },
    async (req: Named) => ({
      message: await call(`resetting offsets of ${req.params.name}`, () =>
        herder.resetConnectorOffsets(req.params.name),
      ),
    }),
  );
}

/** Absolute URL of a connector, as Kafka's Location header. */
function locationOf(req: FastifyRequest, name: string): string {
  return `${req.protocol}://${req.host}/connectors/${encodeURIComponent(name)}`;
}

/** A task id that is not a non-negative integer names no task: 404, as Kafka's path matching gives. */
function taskNumber(connector: string, raw: string): number {
  if (!/^\d+$/.test(raw))
    throw new ConnectError(`Task ${connector}-${raw} not found`, { code: 'seam.rest.not_found' });
  return Number(raw);
}
