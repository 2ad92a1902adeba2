import struct
import unittest
import zlib

import numpy as np

from corrective import FrameError, decode_png, encode_png
from corrective.png import PNG_MAGIC, image_type


class PngTest(unittest.TestCase):
    def test_round_trip_rgb(self):
        rng = np.random.default_rng(0)
        img = rng.integers(0, 256, size=(64, 48, 3), dtype=np.uint8)
        data = encode_png(img)
        self.assertTrue(data.startswith(PNG_MAGIC))
        self.assertEqual(image_type(data), "image/png")
        np.testing.assert_array_equal(decode_png(data), img)

    def test_header_and_crc(self):
        data = encode_png(np.zeros((2, 3, 3), dtype=np.uint8))
        n, kind = struct.unpack(">I4s", data[8:16])
        self.assertEqual((n, kind), (13, b"IHDR"))
        w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
        self.assertEqual((w, h, depth, ctype), (3, 2, 8, 2))
        crc = struct.unpack(">I", data[29:33])[0]
        self.assertEqual(crc, zlib.crc32(data[12:29]) & 0xFFFFFFFF)
        self.assertTrue(data.endswith(b"IEND\xaeB`\x82"))

    def test_grey_rgba_and_float(self):
        grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
        np.testing.assert_array_equal(decode_png(encode_png(grey))[:, :, 0], grey)
        rgba = np.full((2, 2, 4), 200, dtype=np.uint8)
        np.testing.assert_array_equal(decode_png(encode_png(rgba)), rgba)
        f = np.ones((2, 2, 3), dtype=np.float32)
        np.testing.assert_array_equal(decode_png(encode_png(f)), np.full((2, 2, 3), 255, dtype=np.uint8))

    def test_rejects_what_is_not_an_image(self):
        with self.assertRaises(FrameError):
            encode_png(np.zeros((4,), dtype=np.uint8))
        with self.assertRaises(FrameError):
            encode_png(np.full((2, 2, 3), 1000, dtype=np.int32))
        self.assertIsNone(image_type(b"GIF89a"))
        self.assertEqual(image_type(b"\xff\xd8\xff\xe0rest"), "image/jpeg")


if __name__ == "__main__":
    unittest.main()
