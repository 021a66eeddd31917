/**
 * The MySQL differential workload, run against the test MariaDB in database `dbz_mydiff` (created by the
 * suite): every type family Debezium's MySQL connector maps, identifiers that need quoting, character
 * sets, inserts/updates/deletes, a primary-key change, NULLs, zero dates, a DDL between row events and
 * multi-table transactions. Each inner array is one transaction; statements are plain SQL strings.
 */

export const MYSQL_SETUP: readonly string[] = [
  `CREATE TABLE types (
     id INT PRIMARY KEY,
     ti TINYINT, tb TINYINT(1), tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT,
     mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
     d DECIMAL(10,3), dz DECIMAL(30,10), nu NUMERIC(5,0), f FLOAT, fmd FLOAT(7,3), db DOUBLE,
     c CHAR(3), vc VARCHAR(20), tt TINYTEXT, t TEXT, mt MEDIUMTEXT, lt LONGTEXT,
     bn BINARY(3), vb VARBINARY(10), tbl TINYBLOB, bl BLOB, mbl MEDIUMBLOB, lbl LONGBLOB,
     dt DATE, dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6),
     ts TIMESTAMP NULL, ts3 TIMESTAMP(3) NULL, ts6 TIMESTAMP(6) NULL,
     tm TIME, tm3 TIME(3), tm6 TIME(6), yr YEAR,
     e ENUM('a','b','c'), s SET('x','y','z'), b1 BIT(1), b12 BIT(12), b64 BIT(64),
     j JSON, bool_col BOOLEAN
   )`,
  `CREATE TABLE \`Weird-Table\` (\`Key Col\` INT PRIMARY KEY, \`select\` VARCHAR(10), \`ünï\` INT,
     \`dash-col\` VARCHAR(5))`,
  `CREATE TABLE charsets (id INT PRIMARY KEY,
     l1 VARCHAR(20) CHARACTER SET latin1, u8 VARCHAR(20) CHARACTER SET utf8mb4,
     u3 VARCHAR(20) CHARACTER SET utf8mb3, asc_col VARCHAR(20) CHARACTER SET ascii,
     cp VARCHAR(20) CHARACTER SET cp1251, u16 VARCHAR(20) CHARACTER SET utf16,
     bin_col VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, t_l1 TEXT CHARACTER SET latin1)`,
  `CREATE TABLE pk (id INT, region VARCHAR(8), v VARCHAR(20), PRIMARY KEY (id, region))`,
  `CREATE TABLE dflt (id INT PRIMARY KEY, a INT DEFAULT 5, b VARCHAR(10) DEFAULT 'it''s',
     e DECIMAL(5,2) DEFAULT 1.50, g TIMESTAMP NOT NULL DEFAULT '2020-01-01 00:00:00',
     dd DATE NOT NULL DEFAULT '2001-02-03')`,
  `CREATE TABLE zero (id INT PRIMARY KEY, d DATE, dn DATE NOT NULL, dt DATETIME, ts TIMESTAMP NULL)`,
  `CREATE TABLE geo (id INT PRIMARY KEY, p POINT, g GEOMETRY, ls LINESTRING, pg POLYGON, mpt MULTIPOINT,
     mls MULTILINESTRING, mpg MULTIPOLYGON, gc GEOMETRYCOLLECTION, pr POINT NOT NULL)`,
  'CREATE TABLE ready (id INT AUTO_INCREMENT PRIMARY KEY)',
  'CREATE TABLE fence (id INT PRIMARY KEY)',
  `INSERT INTO pk VALUES (1, 'eu', 'one'), (2, 'us', 'two')`,
];

const TYPES_ROW = `(1,
  -128, 1, 255, -32768, 65535, -8388608, 16777215,
  -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
  -1234567.891, 12345678901234567890.0123456789, 99999, 1.5, 1234.567, 2.25,
  'abc', 'héllo ✓', 'tiny', 'long text', 'medium', 'longest',
  0x010203, 0xff00, 0x00, 0xdeadbeef, 0xcafe, 0xbabe,
  '2024-02-29', '2024-02-29 13:14:15', '2024-02-29 13:14:15.123', '1969-12-31 23:59:59.999999',
  '2024-02-29 13:14:15', '2024-02-29 13:14:15.120', '2024-02-29 13:14:15.654321',
  '-838:59:59', '12:34:56.789', '12:34:56.789012', 2024,
  'b', 'x,z', b'1', b'101010101010', b'1000000000000000000000000000000000000000000000000000000000000001',
  '{"k": [1, 2], "s": "x"}', TRUE)`;

export const MYSQL_WORKLOAD: readonly (readonly string[])[] = [
  [
    `INSERT INTO types VALUES ${TYPES_ROW}`,
    'INSERT INTO types (id) VALUES (2)',
    // TIME beyond one day and at its edges (a Connect Time holds one day only).
    `INSERT INTO types (id, bi, bu, d, dtm, dt, tm, tm3, tm6, yr, f, db, b12, e, s) VALUES
       (3, 9223372036854775807, 9223372036854775808, 0.001, '1000-01-01 00:00:00', '9999-12-31', '00:00:00',
        '838:59:59.000', '24:00:00.000001', 1901, -0.0, 1e300, b'0', 'a', '')`,
  ],
  [
    `UPDATE types SET vc = 'changed', d = 1.5, dtm6 = '2038-01-19 03:14:08.000001', j = '[]', s = 'y'
      WHERE id = 1`,
    'UPDATE types SET ti = 7 WHERE id = 2',
  ],
  [
    `INSERT INTO \`Weird-Table\` VALUES (1, 'from', 3, 'x-y')`,
    `UPDATE \`Weird-Table\` SET \`select\` = 'where' WHERE \`Key Col\` = 1`,
    `INSERT INTO charsets VALUES (1, 'café ñ', 'emoji 😀 ✓', 'señor', 'plain', 'Привет', 'ünïcødé 😀', 'Bin', 'Grüße')`,
  ],
  // A primary-key change: Debezium emits delete (+ tombstone) and create with __debezium.oldkey/newkey.
  [`UPDATE pk SET id = 10 WHERE id = 1 AND region = 'eu'`],
  [`UPDATE pk SET region = 'apac', v = 'moved' WHERE id = 2`],
  [
    'INSERT INTO dflt (id) VALUES (1)',
    `INSERT INTO dflt VALUES (2, NULL, NULL, NULL, '2021-06-07 08:09:10', '1999-12-31')`,
  ],
  [
    // Zero dates: allowed by the session's sql_mode here.
    `SET SESSION sql_mode = ''`,
    `INSERT INTO zero VALUES (1, '0000-00-00', '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00')`,
    `INSERT INTO zero VALUES (2, '2020-00-15', '2020-01-00', '2020-01-01 00:00:00', NULL)`,
    `SET SESSION sql_mode = DEFAULT`,
  ],
  [
    // Spatial values without SRID (0) and with one: MySQL's internal format is SRID + WKB.
    `INSERT INTO geo VALUES (1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('LINESTRING(0 0, 1 1)'),
       ST_GeomFromText('LINESTRING(6.9845 18.22115554, 0 0)'),
       ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))'),
       ST_GeomFromText('MULTIPOINT(1 1, 2 2)'), ST_GeomFromText('MULTILINESTRING((1 1,2 2),(3 3,4 4))'),
       ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))'),
       ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))'), POINT(-1.5, 2.25))`,
    `INSERT INTO geo VALUES (2, ST_GeomFromText('POINT(13.4 52.5)', 4326),
       ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 4,0 0))', 4326), ST_GeomFromText('LINESTRING(1 1, 2 2)', 3857),
       NULL, NULL, NULL, NULL, ST_GeomFromText('GEOMETRYCOLLECTION(POINT(3 4))', 4326),
       ST_GeomFromText('POINT(0 0)', 4326))`,
  ],
  [`UPDATE geo SET p = NULL, g = ST_GeomFromText('MULTIPOINT(7 8)', 4326) WHERE id = 1`],
  ['DELETE FROM types WHERE id = 2', 'DELETE FROM `Weird-Table`'],
  // A DDL between row events: the rows after it have the new column, the rows before do not.
  ["INSERT INTO types (id, vc) VALUES (4, 'before ddl')"],
  ["ALTER TABLE types ADD COLUMN extra VARCHAR(10) DEFAULT 'x' AFTER vc, DROP COLUMN mt"],
  [
    "INSERT INTO types (id, vc, extra) VALUES (5, 'after ddl', 'y')",
    "UPDATE types SET extra = 'z' WHERE id = 4",
    `UPDATE pk SET v = 'multi' WHERE id = 10`,
  ],
  ['CREATE TABLE later (id BIGINT UNSIGNED PRIMARY KEY, note VARCHAR(10))'],
  ["INSERT INTO later VALUES (18446744073709551615, 'max')"],
  ['DELETE FROM pk'],
  ['INSERT INTO fence VALUES (1)'],
];
