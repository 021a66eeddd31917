import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The local ports of the TCP connections process `pid` holds to `remotePort`, from /proc: its socket
 * inodes (fd links `socket:[inode]`) matched with the connection table of its network namespace. The
 * servers are shared, so a fault aimed at "the worker's binlog connection" must find that connection by
 * the worker's own sockets, never by user or command alone.
 */
export function localPortsTo(pid: number, remotePort: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9]!)) continue;
      const local = Number.parseInt(f[1]!.split(':')[1]!, 16);
      const remote = Number.parseInt(f[2]!.split(':')[1]!, 16);
      if (remote === remotePort) ports.add(local);
    }
  }
  return ports;
}
