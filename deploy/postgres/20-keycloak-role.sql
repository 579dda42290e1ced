-- Keycloak's own login role and schema in the same database (compose only; Kubernetes gives it its own).
\set ON_ERROR_STOP on
\getenv keycloak_password KEYCLOAK_DB_PASSWORD
CREATE ROLE keycloak LOGIN PASSWORD :'keycloak_password';
GRANT CONNECT ON DATABASE kentongan TO keycloak;
CREATE SCHEMA keycloak AUTHORIZATION keycloak;
ALTER ROLE keycloak SET search_path = keycloak;
