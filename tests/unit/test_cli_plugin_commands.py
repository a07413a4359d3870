"""Plugins add CLI commands through workstation_cli_commands(host).

A real pluggy registration of plugin objects, a real profile; click's runner
calls the command group in-process.
"""

from __future__ import annotations

from typing import Any

import click
from click.testing import CliRunner

from workstation.api import HostServices, SourceType, hookimpl
from workstation.cli.main import Env, add_plugin_commands
from workstation.plugin_host.manager import PluginHost
from workstation_plugins.demo import DemoSource


class GoodPlugin:
    @hookimpl
    def workstation_source_types(self) -> list[SourceType]:
        return [SourceType("hello", "Hello", DemoSource)]

    @hookimpl
    def workstation_cli_commands(self, host: HostServices) -> list[Any]:
        @click.command("hello-add")
        @click.argument("name")
        def hello_add(name: str) -> None:
            host.add_source(name, "hello", {"sample_file": "/nonexistent"})
            host.set_source_state(name, "force_next", True)
            click.echo(",".join(s.name for s in host.list_sources("hello")))

        return [hello_add]


class BrokenPlugin:
    @hookimpl
    def workstation_cli_commands(self, host: HostServices) -> list[Any]:
        raise RuntimeError("boom")


class ClashingPlugin:
    @hookimpl
    def workstation_cli_commands(self, host: HostServices) -> list[Any]:
        @click.command("inbox")
        def inbox() -> None:
            click.echo("hijacked")

        return [inbox, "not a command"]


def _group() -> click.Group:
    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = Env(None, False, 0, plugins)
        ctx.call_on_close(ctx.obj.close)

    @root.command("inbox")
    def inbox() -> None:
        click.echo("core inbox")

    plugins = PluginHost()
    plugins.register(GoodPlugin(), "good")
    plugins.register(BrokenPlugin(), "broken")
    plugins.register(ClashingPlugin(), "clash")
    add_plugin_commands(root, plugins)
    return root


def test_plugin_command_manages_sources_in_the_profile() -> None:
    result = CliRunner().invoke(_group(), ["hello-add", "greetings"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "greetings"


def test_a_broken_or_clashing_plugin_loses_only_its_own_commands() -> None:
    group = _group()
    assert "hello-add" in group.commands
    result = CliRunner().invoke(group, ["inbox"])
    assert result.output.strip() == "core inbox"

