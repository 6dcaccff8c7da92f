# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The KKT as the POS screen sees it: why a receipt cannot be taken now, and
the status and shift actions the cash register panel of the POS calls.
"""

import logging
from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.optics_kkt_driver.kkt.errors import KktError

_logger = logging.getLogger(__name__)

POS_OPERATIONS = ("open_shift", "x_report", "close_shift")


class KktDevice(models.Model):
    _inherit = "kkt.device"

    def _kkt_pos_payload(self):
        payload = super()._kkt_pos_payload()
        payload["problems"] = self._ru54fz_sale_problems()
        return payload

    def _ru54fz_sale_problems(self):
        """Return why the device cannot take a receipt now, with what to do.

        A list of at most one problem (the first that blocks sales), empty when a
        sale can be fiscalised. A device offline for less than its grace period
        is not a problem yet: the receipt waits in the queue and prints when the
        link returns.
        """
        self.ensure_one()
        if self.shift_expired:
            return [
                {
                    "code": "shift_expired",
                    "message": _(
                        "The shift has been open for more than 24 hours; the cash "
                        "register refuses sales."
                    ),
                    "action": _(
                        "Close the shift (Z report) and open a new one in the cash "
                        "register panel, or ask a manager to."
                    ),
                }
            ]
        if self.link_state == "blocked":
            return [
                {
                    "code": "blocked",
                    "message": _(
                        "Cash register %(device)s refuses receipts: %(reason)s",
                        device=self.name,
                        reason=self.blocked_reason or self.last_error or "-",
                    ),
                    "action": _(
                        "Fix what the cash register reports (paper, fiscal storage "
                        "or OFD connection; call the administrator for the last "
                        "two), then press Refresh in the cash register panel."
                    ),
                }
            ]
        if self.link_state == "offline" and self._ru54fz_offline_too_long():
            return [
                {
                    "code": "offline",
                    "message": _(
                        "Cash register %(device)s has not answered for more than "
                        "%(minutes)s minutes.",
                        device=self.name,
                        minutes=self.offline_grace_minutes,
                    ),
                    "action": _(
                        "Check its power and cable, then press Refresh in the cash "
                        "register panel (click the indicator in the top bar)."
                    ),
                }
            ]
        return []

    def _ru54fz_offline_too_long(self):
        grace = timedelta(minutes=self.offline_grace_minutes or 0)
        since = self.offline_since or fields.Datetime.now()
        return fields.Datetime.now() - since >= grace

    def ru54fz_pos_refresh(self):
        """Read the device status and return what the POS indicator shows.

        A device that does not answer is not an error here: the returned state
        says it is offline.
        """
        self.ensure_one()
        try:
            self._kkt_refresh_status()
        except KktError as error:
            _logger.info("Status of KKT %s not read: %s", self.name, error.message)
        self.invalidate_recordset()
        return self._kkt_pos_payload()

    def ru54fz_pos_action(self, operation):
        """Run a shift operation asked for from the POS screen.

        :param operation: one of ``open_shift``, ``x_report``, ``close_shift``
        :return: the indicator state after the operation, with ``error`` set to
            the device's message when it refused
        :raises AccessError: the user is not a POS manager
        """
        self.ensure_one()
        if operation not in POS_OPERATIONS:
            raise UserError(_("Unknown cash register operation %s.", operation))
        if not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(
                _("Only POS managers may open or close the shift and print reports.")
            )
        kwargs = {} if operation == "x_report" else {"cashier_name": self.env.user.name}
        error = ""
        try:
            self._kkt_call(operation, **kwargs)
        except KktError as exc:
            error = self._kkt_error_text(exc)
        state = self.ru54fz_pos_refresh()
        state["error"] = error
        return state
