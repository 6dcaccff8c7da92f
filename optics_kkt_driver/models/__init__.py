# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Models of the KKT driver addon: the cash register and its links to the POS."""

from . import kkt_device
from . import pos_config
from . import res_config_settings
