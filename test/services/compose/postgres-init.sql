-- deploy/test-servers.compose.yaml only: the image creates superuser seam and database seam_test from env vars;
-- this adds the least-privilege replication role that `npm run services` also creates.
CREATE ROLE seam_repl LOGIN REPLICATION PASSWORD 'seam_repl';
