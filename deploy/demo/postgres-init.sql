-- The demo's source table, with a few rows for the initial snapshot. Change it while the demo runs:
--   docker compose -f deploy/demo.compose.yaml exec postgres psql -U seam demo \
--     -c "UPDATE inventory.customers SET email = 'anne@example.org' WHERE id = 1"
CREATE SCHEMA inventory;
CREATE TABLE inventory.customers (
  id integer PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL
);
INSERT INTO inventory.customers (id, name, email) VALUES
  (1, 'Anne Kretchmar', 'annek@noanswer.org'),
  (2, 'Edward Walker', 'ed@walker.com'),
  (3, 'George Bailey', 'gbailey@foobar.com'),
  (4, 'Sally Thomas', 'sally.thomas@acme.com');
