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
    "external_dependencies": {"python": ["pyserial"]},
    "data": [
        "security/kkt_device_security.xml",
        "security/ir.model.access.csv",
        "views/kkt_device_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "optics_kkt_driver/static/tests/tours/*.js",
        ],
    },
    "uninstall_hook": "uninstall_hook",
    "installable": True,
}
