"""`python -m hub`: the same as `grouploop hub`."""

import argparse
import sys

from hub.cli import add_arguments, run

parser = argparse.ArgumentParser(prog="python -m hub", description="run the WebSocket hub")
add_arguments(parser)
sys.exit(run(parser.parse_args()))
