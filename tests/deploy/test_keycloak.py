"""deploy/keycloak: the command-center realm export has the structure Keycloak's import reads (its
RealmRepresentation, ClientRepresentation, flows and mappers: no unknown or misspelt field, every reference
resolved), says what issue 19 asks of it, and compose and every Kubernetes overlay import it."""

import json
import re
import subprocess

import pytest
import yaml

from kentongan.settings import ServiceSettings

# Fields of Keycloak's import representations (org.keycloak.representations.idm) this realm may use. Keycloak
# rejects an unknown field on import; a misspelt one here fails the test instead of the deployment.
REALM_FIELDS = {
    "id", "realm", "displayName", "enabled", "sslRequired", "registrationAllowed", "resetPasswordAllowed",
    "rememberMe", "loginWithEmailAllowed", "duplicateEmailsAllowed", "editUsernameAllowed", "verifyEmail",
    "accessTokenLifespan", "accessCodeLifespan", "ssoSessionIdleTimeout", "ssoSessionMaxLifespan",
    "offlineSessionIdleTimeout", "revokeRefreshToken", "refreshTokenMaxReuse", "bruteForceProtected",
    "permanentLockout", "failureFactor", "waitIncrementSeconds", "maxFailureWaitSeconds", "passwordPolicy",
    "otpPolicyType", "otpPolicyAlgorithm", "otpPolicyDigits", "otpPolicyPeriod", "otpPolicyLookAheadWindow",
    "eventsEnabled", "eventsExpiration", "adminEventsEnabled", "roles", "groups", "users", "clients",
    "clientScopes", "requiredActions", "authenticationFlows", "authenticatorConfig", "browserFlow", "attributes",
}
CLIENT_FIELDS = {
    "clientId", "name", "description", "enabled", "protocol", "publicClient", "clientAuthenticatorType", "secret",
    "rootUrl", "baseUrl", "redirectUris", "webOrigins", "standardFlowEnabled", "implicitFlowEnabled",
    "directAccessGrantsEnabled", "serviceAccountsEnabled", "frontchannelLogout", "fullScopeAllowed",
    "attributes", "protocolMappers", "defaultClientScopes", "optionalClientScopes", "consentRequired",
}
MAPPER_FIELDS = {"name", "protocol", "protocolMapper", "consentRequired", "config"}
FLOW_FIELDS = {"alias", "description", "providerId", "topLevel", "builtIn", "authenticationExecutions"}
EXECUTION_FIELDS = {"authenticator", "authenticatorConfig", "authenticatorFlow", "flowAlias", "requirement",
                    "priority", "userSetupAllowed"}
REQUIREMENTS = {"REQUIRED", "ALTERNATIVE", "DISABLED", "CONDITIONAL"}
ROLES = {"operator", "supervisor", "admin"}
PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")  # Keycloak substitutes environment variables at import


@pytest.fixture(scope="module")
def realm(repo) -> dict:
    return json.loads((repo / "deploy" / "keycloak" / "command-center-realm.json").read_text())


def _clients(realm: dict) -> dict[str, dict]:
    return {client["clientId"]: client for client in realm["clients"]}


def test_the_realm_uses_only_fields_keycloak_imports(realm):
    assert set(realm) <= REALM_FIELDS, set(realm) - REALM_FIELDS
    for client in realm["clients"]:
        assert set(client) <= CLIENT_FIELDS, (client["clientId"], set(client) - CLIENT_FIELDS)
        assert client["protocol"] == "openid-connect"
        for mapper in client.get("protocolMappers", []):
            assert set(mapper) <= MAPPER_FIELDS and all(isinstance(v, str) for v in mapper["config"].values())
        assert all(isinstance(v, str) for v in client.get("attributes", {}).values())  # a map of strings
    for flow in realm["authenticationFlows"]:
        assert set(flow) <= FLOW_FIELDS, set(flow) - FLOW_FIELDS
        for execution in flow["authenticationExecutions"]:
            assert set(execution) <= EXECUTION_FIELDS, set(execution) - EXECUTION_FIELDS
            assert execution["requirement"] in REQUIREMENTS


def test_every_flow_and_authenticator_config_named_exists(realm):
    flows = {flow["alias"]: flow for flow in realm["authenticationFlows"]}
    configs = {config["alias"] for config in realm["authenticatorConfig"]}
    assert flows[realm["browserFlow"]]["topLevel"] is True
    for flow in flows.values():
        for execution in flow["authenticationExecutions"]:
            if execution["authenticatorFlow"]:
                assert execution["flowAlias"] in flows and not flows[execution["flowAlias"]]["topLevel"]
            if "authenticatorConfig" in execution:
                assert execution["authenticatorConfig"] in configs


def test_roles_include_each_other_and_supervisors_and_admins_need_totp(realm):
    roles = {role["name"]: role for role in realm["roles"]["realm"]}
    assert set(roles) == ROLES
    assert roles["admin"]["composites"]["realm"] == ["supervisor"]
    assert roles["supervisor"]["composites"]["realm"] == ["operator"]
    flows = {flow["alias"]: flow for flow in realm["authenticationFlows"]}
    configs = {config["alias"]: config["config"] for config in realm["authenticatorConfig"]}
    otp_flows = [flow for flow in flows.values()
                 if [e.get("authenticator") for e in flow["authenticationExecutions"]]
                 == ["conditional-user-role", "auth-otp-form"]]
    assert len(otp_flows) == 1
    condition, otp = otp_flows[0]["authenticationExecutions"]
    assert configs[condition["authenticatorConfig"]] == {"condUserRole": "supervisor", "negate": "false"}
    assert otp["requirement"] == "REQUIRED"
    assert realm["otpPolicyType"] == "totp"
    assert realm["accessTokenLifespan"] <= 300 and realm["revokeRefreshToken"] is True


def test_the_console_is_a_public_pkce_client_whose_tokens_the_services_accept(realm):
    console = _clients(realm)[ServiceSettings().oidc_client_id]
    assert console["publicClient"] is True and console["standardFlowEnabled"] is True
    assert console["implicitFlowEnabled"] is False and console["directAccessGrantsEnabled"] is False
    assert console["attributes"]["pkce.code.challenge.method"] == "S256"
    assert console["redirectUris"] == ["${KENTONGAN_CONSOLE_URL}/console"]
    audience = [m for m in console["protocolMappers"] if m["protocolMapper"] == "oidc-audience-mapper"]
    assert audience[0]["config"]["included.custom.audience"] == ServiceSettings().oidc_audience
    assert "roles" in console["defaultClientScopes"]  # realm_access.roles, the services' default roles claim


@pytest.mark.parametrize("agency", ["dp3a", "disdik"])
def test_each_agency_has_a_client_credentials_client_with_its_agency_claim(realm, agency):
    client = _clients(realm)[agency]
    assert client["publicClient"] is False and client["serviceAccountsEnabled"] is True
    assert client["standardFlowEnabled"] is False and client["directAccessGrantsEnabled"] is False
    assert PLACEHOLDER.fullmatch(client["secret"])  # from the environment, never in the repository
    mappers = {m["protocolMapper"]: m["config"] for m in client["protocolMappers"]}
    claim = mappers["oidc-hardcoded-claim-mapper"]
    assert (claim["claim.name"], claim["claim.value"]) == (ServiceSettings().oidc_agency_claim, agency)
    assert claim["access.token.claim"] == "true"
    assert mappers["oidc-audience-mapper"]["included.custom.audience"] == ServiceSettings().oidc_audience


def test_compose_imports_the_realm_with_every_variable_it_needs(repo, realm):
    compose = yaml.safe_load((repo / "deploy" / "compose.yaml").read_text())
    keycloak = compose["services"]["keycloak"]
    assert "--import-realm" in keycloak["command"]
    assert ("./keycloak/command-center-realm.json:/opt/keycloak/data/import/command-center-realm.json:ro"
            in keycloak["volumes"])
    needed = set(PLACEHOLDER.findall(json.dumps(realm)))
    assert needed and needed <= set(keycloak["environment"]), needed - set(keycloak["environment"])
    for name in ("dispatch", "report-intake", "notifier"):
        env = compose["services"][name]["environment"]
        assert env["KENTONGAN_OIDC_ISSUER"].endswith(f"/realms/{realm['realm']}")


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_every_overlay_mounts_the_realm_and_points_the_services_at_it(repo, tool, realm, overlay):
    result = subprocess.run([tool("kubectl"), "kustomize", str(repo / "k8s" / "overlays" / overlay)],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    docs = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    config_maps = {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == "ConfigMap"}
    realm_map = next(c for name, c in config_maps.items() if name.startswith("keycloak-realm"))
    assert json.loads(realm_map["data"]["command-center-realm.json"]) == realm
    deployment = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "keycloak")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["volumes"][0]["configMap"]["name"] == realm_map["metadata"]["name"]
    assert "--import-realm" in pod["containers"][0]["args"]
    platform = next(c for name, c in config_maps.items() if name.startswith("kentongan-platform"))
    assert platform["data"]["KENTONGAN_OIDC_ISSUER"].endswith(f"/realms/{realm['realm']}")
