from . import test_kkt_device
from . import test_kkt_device_actions
from . import test_kkt_device_breaker
from . import test_kkt_device_bus
from . import test_kkt_device_lock
from . import test_kkt_device_receipts
from . import test_kkt_device_tour
