"""report-intake's request dependencies: settings, keyring, the reporter's case token, the audit actor."""

from typing import Annotated

from fastapi import Depends, Header, Request

from kentongan.bus_crypto import BusKeyring
from kentongan.crypto import Keyring
from kentongan.dependencies import SessionDep, app_settings
from kentongan.openapi import SecurityScheme, documents
from kentongan.security import CurrentOperator, CurrentPartner
from report_intake.audit.service import Actor
from report_intake.settings import Settings

SettingsDep = Annotated[Settings, Depends(app_settings)]

# Dependencies below are async: a sync one costs a thread-pool hop on every request.


async def _keyring(request: Request) -> Keyring:
    return request.app.state.keyring


KeyringDep = Annotated[Keyring, Depends(_keyring)]


async def _bus(request: Request) -> BusKeyring:
    return request.app.state.bus


BusDep = Annotated[BusKeyring, Depends(_bus)]


CASE_TOKEN = SecurityScheme("caseToken", {
    "type": "apiKey", "in": "header", "name": "X-Case-Token",
    "description": "The reporter's case token, returned once at submission (also accepted as "
                   "`Authorization: Bearer <token>`). A wrong or missing token answers 404, as for no case."})


@documents(security=CASE_TOKEN)
async def case_token(x_case_token: Annotated[str | None, Header(max_length=200)] = None,
               authorization: Annotated[str | None, Header(max_length=400)] = None) -> str | None:
    """The reporter's case token: `X-Case-Token: <token>` or `Authorization: Bearer <token>`.

    A missing token is not an error here: the service answers 404 exactly as for a wrong one."""
    if x_case_token:
        return x_case_token.strip()
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token else None


CaseToken = Annotated[str | None, Depends(case_token)]
AccessReason = Annotated[str | None, Header(alias="X-Access-Reason", max_length=500,
                                            description="Why you open this case (written to the audit log)")]


async def staff_actor(operator: CurrentOperator, keyring: KeyringDep, reason: AccessReason = None) -> Actor:
    return Actor(kind="staff", name=operator.subject, reason=reason, keyring=keyring)


async def partner_actor(partner: CurrentPartner, keyring: KeyringDep, reason: AccessReason = None) -> Actor:
    return Actor(kind="partner", name=f"{partner.agency}/{partner.client_id}", reason=reason,
                 agency=partner.agency, keyring=keyring)


StaffActor = Annotated[Actor, Depends(staff_actor)]
PartnerActor = Annotated[Actor, Depends(partner_actor)]

__all__ = ["AccessReason", "BusDep", "CaseToken", "KeyringDep", "PartnerActor", "SessionDep", "SettingsDep", "StaffActor"]
