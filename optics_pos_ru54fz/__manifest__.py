# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "POS Fiscal Receipts for Russia (54-FZ)",
    "summary": "Fiscalise every paid POS order on a KKT through isolated job channels",
    "version": "17.0.1.0.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "Optics KKT team",
    "website": "https://github.com/optics-kkt/optics-kkt",
    "depends": ["optics_kkt_driver", "point_of_sale", "queue_job"],
    "external_dependencies": {"python": ["requests"]},
    "data": [],
    "assets": {},
    "installable": True,
}
