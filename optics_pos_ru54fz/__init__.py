from . import controllers
from . import jobrunner
from . import models
from .jobrunner import post_load
