# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Check that the effective queue_job channel set-up isolates root.critical.

The check itself is a pure function over the channel string; the model around it
reads the running server's configuration and logs the verdict at start-up.
"""

import logging
from collections import namedtuple

from odoo import api, models
from odoo.tools import config
from odoo.tools.translate import _lt

from odoo.addons.queue_job.jobrunner.channels import ChannelManager
from odoo.addons.queue_job.jobrunner.runner import _channels

_logger = logging.getLogger(__name__)

RU54FZ_CHANNELS = ("root.critical", "root.high", "root.default", "root.low")

ChannelProblem = namedtuple("ChannelProblem", ["code", "message"])


def _full_name(name):
    """Return the channel name as queue_job resolves it (``sub`` is ``root.sub``).

    >>> _full_name("critical"), _full_name("root.low"), _full_name("root")
    ('root.critical', 'root.low', 'root')
    """
    return name if name == "root" or name.startswith("root.") else f"root.{name}"


def parse_channel_capacities(channels_string):
    """Map each configured channel's full name to its capacity.

    Parsing is queue_job's own, so the result is what its runner sees; an
    unparsable string raises the runner's ``ValueError``.

    >>> caps = parse_channel_capacities("root:4, critical:2, root.low")
    >>> sorted(caps.items())
    [('root', 4), ('root.critical', 2), ('root.low', 1)]
    """
    return {
        _full_name(item["name"]): item.get("capacity", 1)
        for item in ChannelManager.parse_simple_config(channels_string)
    }


def check_channel_isolation(channels_string, workers, used_channels=RU54FZ_CHANNELS):
    """Return the problems that break the isolation of ``root.critical``.

    :param channels_string: the runner's channel set-up, e.g. ``root:4,critical:2``
    :param workers: the server's HTTP worker count (0 for the threaded server,
        which has no fixed pool to keep a worker free in)
    :param used_channels: channels our job functions are declared on
    :return: a list of ``ChannelProblem(code, message)``, empty when isolated

    A set-up that follows the rules passes:

    >>> good = "root:5,root.critical:2,root.high:1,root.default:1,root.low:1"
    >>> check_channel_isolation(good, workers=6)
    []

    Without a root capacity the runner runs one job at a time, or none:

    >>> [p.code for p in check_channel_isolation("critical:2", workers=6)]
    ['no_root_capacity', 'channel_missing', 'channel_missing', 'channel_missing']
    >>> [p.code for p in check_channel_isolation("root:0", workers=6)][0]
    'no_root_capacity'

    A channel our jobs use that is not configured falls back to its parent, so
    its jobs compete with everything else there:

    >>> problems = check_channel_isolation("root:4,critical:2,high:1,low:1", 6)
    >>> [(p.code, str(p.message)) for p in problems]  # doctest: +NORMALIZE_WHITESPACE
    [('channel_missing', 'Channel root.default is used by our jobs but is not
      configured: its jobs run in root.')]

    Jobs must leave a worker free for the POS screens:

    >>> [p.code for p in check_channel_isolation(good, workers=5)]
    ['root_not_below_workers']
    >>> check_channel_isolation(good, workers=0)
    []

    Root must hold every sub-channel running at full capacity at once:

    >>> tight = "root:4,root.critical:2,root.high:1,root.default:1,root.low:1"
    >>> [p.code for p in check_channel_isolation(tight, workers=6)]
    ['root_below_channels']

    A string the runner cannot parse is reported, not raised:

    >>> [p.code for p in check_channel_isolation("root:four", workers=6)]
    ['unparsable']
    """
    try:
        capacities = parse_channel_capacities(channels_string)
    except ValueError as error:
        return [
            ChannelProblem(
                "unparsable",
                _lt("The queue_job channel set-up cannot be parsed: %s", error),
            )
        ]

    problems = []
    root_capacity = capacities.get("root", 0)
    if not root_capacity:
        problems.append(
            ChannelProblem(
                "no_root_capacity",
                _lt(
                    "The root channel has no capacity: set root:N in the "
                    "queue_job channels."
                ),
            )
        )

    for channel in used_channels:
        if channel not in capacities:
            parent = channel.rsplit(".", 1)[0]
            problems.append(
                ChannelProblem(
                    "channel_missing",
                    _lt(
                        "Channel %(channel)s is used by our jobs but is not "
                        "configured: its jobs run in %(parent)s.",
                        channel=channel,
                        parent=parent,
                    ),
                )
            )

    if workers and root_capacity >= workers:
        problems.append(
            ChannelProblem(
                "root_not_below_workers",
                _lt(
                    "Root capacity %(root)s is not below the %(workers)s HTTP "
                    "workers: jobs can take every worker and block the POS "
                    "screens.",
                    root=root_capacity,
                    workers=workers,
                ),
            )
        )

    channels_total = sum(cap for name, cap in capacities.items() if name != "root")
    if root_capacity and root_capacity < channels_total:
        problems.append(
            ChannelProblem(
                "root_below_channels",
                _lt(
                    "Root capacity %(root)s is below the %(total)s jobs the "
                    "sub-channels may run together: a backlog elsewhere can "
                    "delay critical jobs.",
                    root=root_capacity,
                    total=channels_total,
                ),
            )
        )
    return problems


class Ru54fzQueueChannelCheck(models.AbstractModel):
    _name = "ru54fz.queue.channel.check"
    _description = "Queue channel isolation check"

    @api.model
    def _get_used_channels(self):
        """Return the channels of our queue.job.function records and the four
        channels of the fiscal pipeline."""
        declarations = (
            self.env["ir.model.data"]
            .sudo()
            .search(
                [
                    ("module", "=", "optics_pos_ru54fz"),
                    ("model", "=", "queue.job.function"),
                ]
            )
        )
        functions = (
            self.env["queue.job.function"].sudo().browse(declarations.mapped("res_id"))
        )
        declared = set(functions.exists().mapped("channel"))
        return tuple(sorted(declared | set(RU54FZ_CHANNELS)))

    @api.model
    def _get_problems(self):
        """Check the channel set-up of this server process."""
        return check_channel_isolation(
            _channels(), config["workers"], self._get_used_channels()
        )

    @api.model
    def _get_effective_channels(self):
        return _channels()

    def _register_hook(self):
        result = super()._register_hook()
        problems = self._get_problems()
        for problem in problems:
            _logger.warning("Job channel set-up: %s", problem.message)
        if not problems:
            _logger.info("Job channel set-up isolates root.critical: %s", _channels())
        return result
