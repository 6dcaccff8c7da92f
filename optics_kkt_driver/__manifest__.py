# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Russian KKT Driver (Shtrih-M)",
    "summary": "Talk to Russian online cash registers (54-FZ) over serial or TCP",
    "version": "17.0.1.0.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "Optics KKT team",
    "website": "https://github.com/optics-kkt/optics-kkt",
    "depends": ["point_of_sale"],
    "external_dependencies": {"python": ["serial"]},
    "data": [],
    "installable": True,
}
