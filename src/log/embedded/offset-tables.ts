import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SourceOffsetWrite } from '../topic-log.ts';

/**
 * The two small tables beside the records: source offsets (written in the same transaction as an
 * append) and consumer-group committed offsets. Callers own the transaction.
 */
export class OffsetTables {
  private readonly sourceSelect: StatementSync;
  private readonly sourceUpsert: StatementSync;
  private readonly sourceDelete: StatementSync;
  private readonly groupSelect: StatementSync;
  private readonly groupUpsert: StatementSync;
  private readonly groupDeleteOne: StatementSync;
  private readonly groupDelete: StatementSync;
  private readonly topicDelete: StatementSync;

  constructor(db: DatabaseSync) {
    this.sourceSelect = db.prepare('SELECT partition, offset FROM source_offsets WHERE connector = ?');
    this.sourceUpsert = db.prepare(
      'INSERT INTO source_offsets (connector, partition, offset) VALUES (?, ?, ?) ' +
        'ON CONFLICT (connector, partition) DO UPDATE SET offset = excluded.offset',
    );
    this.sourceDelete = db.prepare('DELETE FROM source_offsets WHERE connector = ? AND partition = ?');
    this.groupSelect = db.prepare('SELECT topic, partition, offset FROM group_offsets WHERE grp = ?');
    this.groupUpsert = db.prepare(
      'INSERT INTO group_offsets (grp, topic, partition, offset) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (grp, topic, partition) DO UPDATE SET offset = excluded.offset',
    );
    this.groupDeleteOne = db.prepare(
      'DELETE FROM group_offsets WHERE grp = ? AND topic = ? AND partition = ?',
    );
    this.groupDelete = db.prepare('DELETE FROM group_offsets WHERE grp = ?');
    this.topicDelete = db.prepare('DELETE FROM group_offsets WHERE topic = ?');
  }

  sourceOffsets(connector: string): Map<string, string> {
    const rows = this.sourceSelect.all(connector) as { partition: string; offset: string }[];
    return new Map(rows.map((r) => [r.partition, r.offset]));
  }

  writeSourceOffsets(offsets: readonly SourceOffsetWrite[]): void {
    for (const o of offsets) {
      if (o.offset === null) this.sourceDelete.run(o.connector, o.partition);
      else this.sourceUpsert.run(o.connector, o.partition, o.offset);
    }
  }

  committed(group: string): Map<string, { topic: string; partition: number; offset: number }> {
    const rows = this.groupSelect.all(group) as { topic: string; partition: number; offset: number }[];
    return new Map(rows.map((r) => [`${r.topic}-${r.partition}`, r]));
  }

  commit(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number | null }[],
  ): void {
    for (const o of offsets) {
      if (o.offset === null) this.groupDeleteOne.run(group, o.topic, o.partition);
      else this.groupUpsert.run(group, o.topic, o.partition, o.offset);
    }
  }

  deleteGroup(group: string): void {
    this.groupDelete.run(group);
  }

  /** Kafka drops the committed offsets of a deleted topic; so does this log. */
  deleteTopic(topic: string): void {
    this.topicDelete.run(topic);
  }
}
