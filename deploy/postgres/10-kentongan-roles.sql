-- One login role per service, each owning only its own schema (run once by the postgres image's initdb).
-- Passwords come from the container's environment (psql's \getenv), never from this file.
\set ON_ERROR_STOP on
\getenv alarm_gateway_password ALARM_GATEWAY_DB_PASSWORD
\getenv report_intake_password REPORT_INTAKE_DB_PASSWORD
\getenv cctv_ingest_password CCTV_INGEST_DB_PASSWORD
\getenv dispatch_password DISPATCH_DB_PASSWORD
\getenv notifier_password NOTIFIER_DB_PASSWORD

-- Nobody but the roles granted below may connect, and nobody creates objects in `public`.
REVOKE ALL ON DATABASE kentongan FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE ROLE alarm_gateway LOGIN PASSWORD :'alarm_gateway_password';
CREATE ROLE report_intake LOGIN PASSWORD :'report_intake_password';
CREATE ROLE cctv_ingest LOGIN PASSWORD :'cctv_ingest_password';
CREATE ROLE dispatch LOGIN PASSWORD :'dispatch_password';
CREATE ROLE notifier LOGIN PASSWORD :'notifier_password';

GRANT CONNECT ON DATABASE kentongan TO alarm_gateway, report_intake, cctv_ingest, dispatch, notifier;

-- A schema owned by its role: the role may create and use its tables; other roles cannot even see into it.
CREATE SCHEMA alarm_gateway AUTHORIZATION alarm_gateway;
CREATE SCHEMA report_intake AUTHORIZATION report_intake;
CREATE SCHEMA cctv_ingest AUTHORIZATION cctv_ingest;
CREATE SCHEMA dispatch AUTHORIZATION dispatch;
CREATE SCHEMA notifier AUTHORIZATION notifier;

ALTER ROLE alarm_gateway SET search_path = alarm_gateway;
ALTER ROLE report_intake SET search_path = report_intake;
ALTER ROLE cctv_ingest SET search_path = cctv_ingest;
ALTER ROLE dispatch SET search_path = dispatch;
ALTER ROLE notifier SET search_path = notifier;
