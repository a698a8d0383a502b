"""cdn.app through Flask's test client: cases that need a changed installation."""

from __future__ import annotations

from pathlib import Path

from cdn.app import create_app


def test_missing_node_modules_is_explained(tmp_path: Path) -> None:
    app = create_app(tmp_path / "fw", node_modules=tmp_path / "no-node-modules")
    response = app.test_client().get("/js/p5.min.js")
    assert response.status_code == 404
    assert response.json == {
        "error": "p5.min.js is not installed: run `make setup` (npm install)",
        "status": 404,
    }
    assert "p5.min.js" not in app.test_client().get("/js/").json["files"]


def test_firmware_folder_is_created_on_demand(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "firmware"
    create_app(folder)
    assert folder.is_dir()


def test_wrong_method_is_a_json_error(tmp_path: Path) -> None:
    response = create_app(tmp_path).test_client().post("/static/commands.json")
    assert response.status_code == 405
    assert response.json["status"] == 405
