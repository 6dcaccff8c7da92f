from . import queue_statistics
