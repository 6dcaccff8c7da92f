# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Many jobs are enqueued in bounded slices, never thousands in one commit."""

from odoo.tests import TransactionCase

from odoo.addons.queue_job.tests.common import trap_jobs


class TestJobSlicer(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slicer = cls.env["ru54fz.job.slicer"]
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Buyer {n}"} for n in range(5)]
        )

    def test_few_records_get_their_jobs_in_the_current_transaction(self):
        with trap_jobs() as trap:
            count = self.slicer._delay_in_slices(
                self.partners, "toggle_active", slice_size=5, channel="root.low"
            )
        self.assertEqual(count, 5)
        self.assertEqual(
            sorted(job.recordset.id for job in trap.enqueued_jobs),
            sorted(self.partners.ids),
        )
        self.assertEqual(
            {job.method_name for job in trap.enqueued_jobs}, {"toggle_active"}
        )
        self.assertEqual({job.channel for job in trap.enqueued_jobs}, {"root.low"})

    def test_many_records_get_one_fan_out_job_per_slice(self):
        with trap_jobs() as trap:
            count = self.slicer._delay_in_slices(
                self.partners, "toggle_active", slice_size=2, channel="root.low"
            )
            self.assertEqual(count, 3)
            trap.assert_jobs_count(3, only=self.slicer._enqueue_slice)
            self.assertEqual(
                sorted(len(job.args[1]) for job in trap.enqueued_jobs), [1, 2, 2]
            )

            trap.perform_enqueued_jobs()

            record_jobs = [
                job for job in trap.enqueued_jobs if job.method_name == "toggle_active"
            ]
        self.assertEqual(
            sorted(job.recordset.id for job in record_jobs), sorted(self.partners.ids)
        )
        self.assertEqual({job.channel for job in record_jobs}, {"root.low"})

    def test_identity_exact_gives_each_record_job_an_identity_key(self):
        with trap_jobs() as trap:
            for _round in range(2):
                self.slicer._delay_in_slices(
                    self.partners[:1], "toggle_active", identity_exact=True
                )
        self.assertEqual(len({job.identity_key for job in trap.enqueued_jobs}), 1)

    def test_unknown_job_option_is_refused(self):
        with self.assertRaises(TypeError):
            self.slicer._delay_in_slices(self.partners, "toggle_active", chanel="x")
