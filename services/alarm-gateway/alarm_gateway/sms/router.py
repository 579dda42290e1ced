from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from alarm_gateway.dependencies import SessionDep
from alarm_gateway.sms import service
from alarm_gateway.sms.errors import BadSignature
from alarm_gateway.sms.schemas import InboundResult, InboundSms

router = APIRouter(prefix="/v1/sms", tags=["SMS panic (the SMS provider)"])


@router.post("/inbound", response_model=InboundResult, summary="An inbound SMS from the SMS provider",
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": InboundSms.model_json_schema(
                 by_alias=True)}}}},
             responses={401: {"description": "`bad_signature`: Standard Webhooks signature missing or wrong"}})
async def inbound_sms(request: Request, session: SessionDep,
                      webhook_id: Annotated[str, Header(alias="webhook-id", max_length=200)]) -> InboundResult:
    """Signed with Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`, secret
    `ALARM_GATEWAY_SMS_INBOUND_SECRET`). `{"from", "text", "received_at"?}`: a verified phone texting TOLONG, SOS,
    DARURAT or HELP (first word, any case) raises a silent alarm; a redelivery raises nothing more."""
    body = await request.body()
    webhook: Webhook = request.app.state.sms_webhook
    try:
        webhook.verify(body, dict(request.headers), json_parse=False)
    except (WebhookVerificationError, ValueError) as exc:
        raise BadSignature() from exc
    try:
        sms = InboundSms.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(), body=body) from exc
    return await service.receive(session, request.app.state.alarm_intake, request.app.state.profile_keys,
                                 webhook_id, sms)
