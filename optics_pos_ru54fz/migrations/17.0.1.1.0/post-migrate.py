# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Customer account payment methods become credit on the fiscal receipt.

Before 17.0.1.1.0 they were computed as electronic, which the new computation
does not redo on update. SQL, because Odoo refuses to write payment methods of
open POS sessions, and shops update with sessions open.
"""


def migrate(cr, version):
    if not version:
        return
    # The methods whose type Odoo computes as pay_later: no cash or bank journal.
    cr.execute(
        """
        UPDATE pos_payment_method method
           SET kkt_payment_kind = 'credit'
         WHERE method.kkt_payment_kind = 'electronic'
           AND NOT COALESCE(method.is_cash_count, FALSE)
           AND NOT EXISTS (
                SELECT 1
                  FROM account_journal journal
                 WHERE journal.id = method.journal_id
                   AND journal.type IN ('cash', 'bank')
           )
        """
    )
