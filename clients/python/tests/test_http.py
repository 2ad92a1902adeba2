"""The HTTP edge against a local stand-in server: typed exceptions from the error envelope, retries on 503."""
import json
import threading
import unittest
from http.server import ThreadingHTTPServer

import numpy as np

import corrective
from corrective.client import Client, Project
from corrective.http import Transport

from .json_handler import JsonHandler


class Handler(JsonHandler):
    calls = []
    flaky = {"left": 0}

    def do_POST(self):
        n = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(n) or b"null")
        Handler.calls.append((self.path, self.headers.get("authorization"), body))
        if self.path == "/api/v1/auth/login":
            if body.get("password") != "right":
                return self._send(401, {"error": {"code": "UNAUTHENTICATED", "message": "Wrong email or password"}})
            return self._send(201, {"data": {"token": "crv_test"}})
        if self.path == "/flaky":
            if Handler.flaky["left"] > 0:
                Handler.flaky["left"] -= 1
                return self._send(503, {"error": {"code": "UNAVAILABLE", "message": "db down"}})
            return self._send(201, {"data": {"ok": True}})
        if self.path == "/api/v1/projects/p1/tasks/claim":
            return self._send(200, {"data": {"tasks": [{"task": {"id": f"t{i}"}} for i in range(body["count"])], "waiting": 0}})
        if self.path == "/api/v1/labels":
            if Handler.flaky["left"] > 0:
                Handler.flaky["left"] -= 1
                return self._send(503, {"error": {"code": "UNAVAILABLE", "message": "db down"}})
            results = [{"id": l["id"], "taskId": l["taskId"], "status": 422 if l.get("action") == 7 else 201} for l in body["labels"]]
            return self._send(200, {"data": {"results": results}})
        if self.path == "/conflict":
            return self._send(409, {"error": {"code": "CONFLICT", "message": "Round 1 is labeling"}})
        if self.path == "/space":
            return self._send(422, {"error": {"code": "UNPROCESSABLE", "message": "bad", "fieldErrors": {"steps.0.observation": ["must have 4 elements, got 3"]}}})
        self._send(404, {"error": {"code": "NOT_FOUND", "message": "Not found"}})


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def test_login_sets_the_token(self):
        client = corrective.connect(self.url, email="a@b.c", password="right")
        self.assertEqual(client.token, "crv_test")
        with self.assertRaises(corrective.AuthenticationError) as e:
            corrective.connect(self.url, email="a@b.c", password="wrong")
        self.assertEqual(e.exception.status, 401)
        with self.assertRaises(corrective.AuthenticationError):
            corrective.connect(self.url)

    def test_typed_errors_carry_code_status_and_field_errors(self):
        t = Transport(self.url, "crv_x", retries=0)
        with self.assertRaises(corrective.RoundStateError) as e:
            t.json("POST", "/conflict", {})
        self.assertEqual((e.exception.status, e.exception.code), (409, "CONFLICT"))
        with self.assertRaises(corrective.Unprocessable) as e:
            t.json("POST", "/space", {})
        self.assertEqual(e.exception.field_errors, {"steps.0.observation": ["must have 4 elements, got 3"]})
        self.assertIn("steps.0.observation", str(e.exception))
        with self.assertRaises(corrective.NotFound):
            t.json("POST", "/nowhere", {})

    def test_retries_a_503_then_succeeds(self):
        Handler.flaky["left"] = 2
        t = Transport(self.url, "crv_x", retries=3, backoff=0.01)
        self.assertEqual(t.json("POST", "/flaky", {}), {"ok": True})
        Handler.flaky["left"] = 5
        with self.assertRaises(corrective.Unavailable):
            Transport(self.url, retries=1, backoff=0.01).json("POST", "/flaky", {})

    def test_batched_claim_and_labels(self):
        project = Project(Client(Transport(self.url, "crv_x", retries=2, backoff=0.01)), {"id": "p1", "name": "p"})
        self.assertEqual([t["task"]["id"] for t in project.claim_tasks(3)["tasks"]], ["t0", "t1", "t2"])
        self.assertEqual(Handler.calls[-1][2], {"count": 3, "exclude": []})
        with self.assertRaises(ValueError):
            project.claim_tasks(101)
        # 250 labels: three requests of ≤ 100; a 503 on the first is retried with the same generated ids.
        Handler.calls.clear()
        Handler.flaky["left"] = 1
        labels = [{"taskId": f"t{i}", "action": np.int64(7 if i == 5 else i % 2)} for i in range(250)]
        results = project.submit_labels(labels)
        self.assertEqual(len(results), 250)
        self.assertEqual([r["status"] for r in results[:6]], [201, 201, 201, 201, 201, 422])
        sent = [c[2]["labels"] for c in Handler.calls if c[0] == "/api/v1/labels"]
        self.assertEqual([len(b) for b in sent], [100, 100, 100, 50])
        self.assertEqual(sent[0], sent[1])  # the retry resent the very same ids
        ids = [l["id"] for b in sent[1:] for l in b]
        self.assertEqual(len(set(ids)), 250)
        self.assertEqual(sent[1][1]["action"], 1)
        self.assertIsInstance(sent[1][1]["action"], int)

    def test_unreachable_server_is_unavailable(self):
        with self.assertRaises(corrective.Unavailable):
            Transport("http://127.0.0.1:9", retries=0, timeout=2).json("GET", "/x")


if __name__ == "__main__":
    unittest.main()
