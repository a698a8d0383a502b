"""ESP32-C3 flash formats, below both the bench and the emulator (which import them from here).

- `image`: app images (header, segments, checksum, SHA-256, `esp_app_desc_t`): validate one as
  the bootloader does, build the labelled stand-in;
- `partitions`: the ESP-IDF partition table and the OTA data that selects the app to boot.
"""
