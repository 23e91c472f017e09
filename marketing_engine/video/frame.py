"""Grab a frame from rendered videos into a PNG (for the README, a review, a thumbnail by hand).

    python -m marketing_engine.video.frame VIDEO [VIDEO ...] OUT.png [--at SECONDS] [--height PX]

Several videos give one image with their frames side by side, scaled to the same height.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from marketing_engine.ffmpeg import run as run_child


class FrameError(RuntimeError):
    """A video that does not exist or a moment past its end."""


def grab(videos: Sequence[Path], output: Path, at_seconds: float = 6.0, height: int = 960) -> Path:
    for video in videos:
        if not video.is_file():
            raise FrameError(f"{video}: no such video")
    inputs: list[str] = []
    for video in videos:
        inputs += ["-ss", f"{at_seconds:.3f}", "-i", str(video)]
    scaled = ";".join(f"[{i}:v]scale=-2:{height}:flags=lanczos,setsar=1[s{i}]" for i in range(len(videos)))
    if len(videos) > 1:
        pad = ";".join(f"[s{i}]pad=iw+24:ih:0:0:white[p{i}]" for i in range(len(videos) - 1))
        stacked = "".join(f"[p{i}]" for i in range(len(videos) - 1)) + f"[s{len(videos) - 1}]"
        graph = f"{scaled};{pad};{stacked}hstack=inputs={len(videos)}[out]"
    else:
        graph = f"{scaled};[s0]null[out]"
    output.parent.mkdir(parents=True, exist_ok=True)
    result = run_child(
        [
            "ffmpeg",
            "-y",
            "-hide_banner",
            "-loglevel",
            "error",
            *inputs,
            "-filter_complex",
            graph,
            "-map",
            "[out]",
            "-frames:v",
            "1",
            "-update",
            "1",
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not output.is_file():
        raise FrameError(f"no frame at {at_seconds} s: {result.stderr.strip()[-200:]}")
    return output


def _arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("paths", nargs="+", type=Path, help="one or more videos, then the PNG to write")
    parser.add_argument("--at", type=float, default=6.0, help="seconds into the videos (default 6)")
    parser.add_argument("--height", type=int, default=960, help="height of the image in pixels (default 960)")
    return parser


def _run(args: argparse.Namespace) -> int:
    if len(args.paths) < 2:
        print("error: give at least one video and the PNG to write", file=sys.stderr)
        return 2
    try:
        print(grab(args.paths[:-1], args.paths[-1], args.at, args.height))
    except FrameError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def register(subparsers) -> None:
    """`marketing-engine video-frame VIDEO [VIDEO ...] OUT.png`"""
    parser = subparsers.add_parser("video-frame", help="grab a frame of rendered videos into a PNG")
    _arguments(parser).set_defaults(func=_run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _arguments(
        argparse.ArgumentParser(prog="python -m marketing_engine.video.frame", description=__doc__)
    )
    return _run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
