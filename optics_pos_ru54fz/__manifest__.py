# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "POS Fiscal Receipts for Russia (54-FZ)",
    "summary": "Fiscalise every paid POS order on a KKT through isolated job channels",
    "version": "17.0.1.1.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "Optics KKT team",
    "website": "https://github.com/optics-kkt/optics-kkt",
    "depends": ["optics_kkt_driver", "point_of_sale", "queue_job"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "data/mail_template_data.xml",
        "data/mail_activity_type_data.xml",
        "views/pos_order_views.xml",
        "security/ru54fz_bench_security.xml",
        "security/ru54fz_ops_security.xml",
        "data/ir_cron_data.xml",
        "views/kkt_device_views.xml",
        "views/queue_statistics_views.xml",
        "views/shift_reconciliation_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "optics_pos_ru54fz/static/src/app/**/*",
        ],
        "web.assets_tests": [
            "optics_pos_ru54fz/static/tests/tours/**/*",
        ],
        "web.assets_backend": [
            "optics_pos_ru54fz/static/src/dashboard/**/*",
        ],
    },
    "installable": True,
    "post_load": "post_load",
}
