"""What the bench can do with a target: flash it with esptool and talk to its serial console."""
