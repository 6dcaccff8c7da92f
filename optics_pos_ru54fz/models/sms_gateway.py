# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Send SMS through a configurable HTTP gateway, at most once per idempotency key."""

import hashlib
import logging

import requests

from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)

PARAM_URL = "optics_pos_ru54fz.sms_gateway_url"
PARAM_TOKEN = "optics_pos_ru54fz.sms_gateway_token"
PARAM_TIMEOUT = "optics_pos_ru54fz.sms_gateway_timeout"
DEFAULT_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0
RETRYABLE_STATUS = {408, 425, 429}


class SmsGatewayError(UserError):
    """The gateway refused the message or is not configured: retrying the same
    request cannot help, a person must fix the data or the settings."""


class SmsGatewayUnavailable(RetryableJobError):
    """The gateway could not take the message now (timeout, connection error,
    5xx or 429 answer): queue_job retries the job later."""


class Ru54fzSmsGateway(models.AbstractModel):
    _name = "ru54fz.sms.gateway"
    _description = "SMS gateway"

    @api.model
    def send(self, phone, text, idempotency_key=None):
        """Send ``text`` to ``phone`` through the configured HTTP gateway.

        Idempotent: a message whose key was already sent is not posted again;
        the first result is returned with ``duplicate`` set. The key also goes
        to the gateway (``Idempotency-Key`` header and payload) so that a send
        whose local record was rolled back is dropped by the gateway.

        :param phone: recipient phone number, e.g. ``+79161234567``
        :param text: message text
        :param idempotency_key: defaults to a hash of phone and text
        :return: ``{"idempotency_key", "gateway_message_id", "duplicate"}``
        :raises SmsGatewayError: gateway not configured or a 4xx answer
        :raises SmsGatewayUnavailable: timeout, connection error, 5xx or 429
        """
        key = idempotency_key or self._default_idempotency_key(phone, text)
        messages = self.env["ru54fz.sms.message"].sudo()
        sent = messages.search([("idempotency_key", "=", key)], limit=1)
        if sent:
            return sent._as_send_result(duplicate=True)

        answer = self._post_message(phone, text, key)
        message = messages.create(
            {
                "idempotency_key": key,
                "gateway_message_id": str(answer.get("id") or ""),
                "recipient_hint": self._recipient_hint(phone),
            }
        )
        return message._as_send_result(duplicate=False)

    @api.model
    def _default_idempotency_key(self, phone, text):
        digest = hashlib.sha256(f"{phone}\n{text}".encode()).hexdigest()
        return f"sms-{digest[:40]}"

    @api.model
    def _recipient_hint(self, phone):
        """Keep only the last digits of a phone number for support staff."""
        digits = "".join(char for char in phone or "" if char.isdigit())
        return f"…{digits[-4:]}" if digits else ""

    @api.model
    def _get_gateway_settings(self):
        params = self.env["ir.config_parameter"].sudo()
        url = (params.get_param(PARAM_URL) or "").strip()
        if not url:
            raise SmsGatewayError(
                _(
                    "No SMS gateway is configured: set its URL in Point of Sale "
                    "settings before sending SMS receipts."
                )
            )
        token = params.get_param(PARAM_TOKEN) or ""
        try:
            timeout = float(params.get_param(PARAM_TIMEOUT) or DEFAULT_TIMEOUT)
        except ValueError:
            timeout = DEFAULT_TIMEOUT
        return url, token, timeout

    @api.model
    def _post_message(self, phone, text, key):
        """POST one message and return the gateway's JSON answer (may be empty)."""
        url, token, timeout = self._get_gateway_settings()
        headers = {"Idempotency-Key": key}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = {"phone": phone, "text": text, "idempotency_key": key}
        try:
            response = requests.post(
                url,
                json=payload,
                headers=headers,
                timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
            )
        except requests.Timeout as error:
            raise SmsGatewayUnavailable(
                _("The SMS gateway did not answer within %s s; will retry.", timeout)
            ) from error
        except requests.RequestException as error:
            raise SmsGatewayUnavailable(
                _("The SMS gateway cannot be reached (%s); will retry.", error)
            ) from error

        if response.status_code >= 500 or response.status_code in RETRYABLE_STATUS:
            raise SmsGatewayUnavailable(
                _(
                    "The SMS gateway answered %(status)s for message %(key)s; "
                    "will retry.",
                    status=response.status_code,
                    key=key,
                )
            )
        if response.status_code >= 400:
            raise SmsGatewayError(
                _(
                    "The SMS gateway refused message %(key)s with %(status)s: "
                    "%(body)s. Check the phone number and the gateway token.",
                    key=key,
                    status=response.status_code,
                    body=response.text[:200],
                )
            )
        _logger.info("SMS %s accepted by the gateway", key)
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}
