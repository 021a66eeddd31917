-- deploy/test-servers.compose.yaml only: the same users `npm run services` creates (test/services/mariadb.ts).
CREATE DATABASE IF NOT EXISTS seam_test;
CREATE USER IF NOT EXISTS 'seam'@'%' IDENTIFIED BY 'seam';
GRANT ALL PRIVILEGES ON *.* TO 'seam'@'%' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'seam_limited'@'%' IDENTIFIED BY 'seam_limited';
GRANT SELECT ON seam_test.* TO 'seam_limited'@'%';
