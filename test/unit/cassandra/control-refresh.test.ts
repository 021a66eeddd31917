import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { guardControlRefresh } from '../../../connectors/cassandra/control-refresh.ts';

interface Control {
  connection: unknown;
  host: unknown;
  _triedHosts: Record<string, unknown>;
  _refresh(iterator?: unknown): Promise<void>;
  _refreshControlConnection(iterator: unknown): Promise<void>;
  _refreshHosts(): Promise<void>;
}

/**
 * A control connection in the state of the driver race (NODEJS-681): it got a connection, and while it
 * reads the topology a concurrent refresh resets `connection` to null and the read fails on the reset
 * socket.
 */
function racingControl(guarded: boolean): Control {
  const client = new cassandra.Client({ contactPoints: ['127.0.0.1:1'], localDataCenter: 'dc1' });
  if (guarded) guardControlRefresh(client);
  const control = (client as unknown as { controlConnection: Control }).controlConnection;
  control._refreshControlConnection = async () => {
    control.connection = { endpoint: '127.0.0.1:1', endpointFriendlyName: '127.0.0.1:1' };
    control.host = null;
  };
  control._refreshHosts = async () => {
    control.connection = null;
    throw Object.assign(new Error('socket reset'), { isSocketError: true });
  };
  control._triedHosts = {};
  return control;
}

describe('Cassandra session: the control connection refresh race', () => {
  it("the driver's own refresh rejects with a TypeError (the process-ending rejection)", async () => {
    const control = racingControl(false);
    await expect(control._refresh([])).rejects.toThrow(TypeError);
  });

  it('guarded, the failed refresh settles quietly', async () => {
    const control = racingControl(true);
    await expect(control._refresh([])).resolves.toBeUndefined();
  });
});
