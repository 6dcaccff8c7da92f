# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Operations settings of the fiscal pipeline: SMS gateway, device alerts,
metrics token, trace retention, customer account follow-up and the job channel
verdict."""

import secrets

from odoo import _, api, fields, models

PARAM_PREFIX = "optics_pos_ru54fz."


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ru54fz_sms_gateway_url = fields.Char(
        string="SMS gateway URL",
        config_parameter=PARAM_PREFIX + "sms_gateway_url",
        help="HTTP endpoint that receives a JSON POST per SMS receipt.",
    )
    ru54fz_sms_gateway_token = fields.Char(
        string="SMS gateway token",
        config_parameter=PARAM_PREFIX + "sms_gateway_token",
        help="Sent as a bearer token in the Authorization header.",
    )
    ru54fz_ofd_alert_days = fields.Integer(
        string="OFD alert after (days)",
        config_parameter=PARAM_PREFIX + "ofd_alert_days",
        default=20,
        help="Alert POS managers when the oldest document not yet accepted by "
        "the OFD is older than this; the KKT blocks sales at 30 days.",
    )
    ru54fz_device_offline_grace = fields.Integer(
        string="Offline alert after (minutes)",
        config_parameter=PARAM_PREFIX + "device_offline_grace",
        default=5,
        help="Alert POS managers when a KKT has not answered for this long.",
    )
    ru54fz_metrics_token = fields.Char(
        string="Metrics token",
        config_parameter=PARAM_PREFIX + "metrics_token",
        help="Bearer token a Prometheus server sends to /ru54fz/queue/metrics.",
    )
    ru54fz_trace_retention_days = fields.Integer(
        string="Keep device traces (days)",
        config_parameter=PARAM_PREFIX + "trace_retention_days",
        default=30,
        help="Device I/O traces older than this are removed daily. Fiscal data "
        "on orders is never removed.",
    )
    ru54fz_payment_follow_up_days = fields.Integer(
        string="Collect customer account payments after (days)",
        config_parameter=PARAM_PREFIX + "payment_follow_up_days",
        default=7,
        help="A POS order paid partly or wholly on the customer account gives its "
        "salesperson an activity to collect the amount, due this many days later "
        "(at least 1).",
    )
    ru54fz_channel_setup = fields.Char(
        string="Job channels", compute="_compute_ru54fz_channel_check"
    )
    ru54fz_channel_isolated = fields.Boolean(
        string="Critical channel isolated", compute="_compute_ru54fz_channel_check"
    )
    ru54fz_channel_verdict = fields.Text(
        string="Channel check", compute="_compute_ru54fz_channel_check"
    )

    @api.depends("company_id")
    def _compute_ru54fz_channel_check(self):
        check = self.env["ru54fz.queue.channel.check"]
        problems = check._get_problems()
        # str() of a lazy message runs here, where self carries the language.
        messages = []
        for problem in problems:
            messages.append(str(problem.message))
        verdict = "\n".join(messages) or _(
            "root.critical is isolated: every rule of the check holds."
        )
        for settings in self:
            settings.ru54fz_channel_setup = check._get_effective_channels()
            settings.ru54fz_channel_isolated = not problems
            settings.ru54fz_channel_verdict = verdict

    def action_ru54fz_generate_metrics_token(self):
        """Store a new random metrics token; the old one stops working."""
        self.env["ir.config_parameter"].sudo().set_param(
            PARAM_PREFIX + "metrics_token", secrets.token_urlsafe(32)
        )
        return {"type": "ir.actions.client", "tag": "reload"}
