"""``+dry_run=true``: validate and expand the sweep, price every video, call and render nothing."""

from __future__ import annotations

from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.utils import instantiate
from omegaconf import OmegaConf, open_dict


def dry_run(sweeper: Any, arguments: list[str]) -> list:
    """Print the estimate report for the jobs ``arguments`` expand to; return no job results."""
    from adbatch.config import typed
    from adbatch.report.dryrun import dry_run_text, estimate_job
    from adbatch.stages.assets import Providers
    from adbatch.stages.catalog import load_catalog

    parser = OverridesParser.create(config_loader=sweeper.hydra_context.config_loader)
    params = [f"{k}={v}" for k, v in (sweeper.params or {}).items()]
    batches = sweeper.split_arguments(parser.parse_overrides(params + list(arguments)), None)
    estimates, catalog, built = [], None, {}
    for overrides in batches[0]:
        job = sweeper.hydra_context.config_loader.load_sweep_config(sweeper.config, list(overrides))
        with open_dict(job):
            del job["hydra"]
        cfg = typed(job)
        catalog = catalog or load_catalog(cfg.products, cfg.catalog)
        key = OmegaConf.to_yaml(job.provider)
        if key not in built:  # one provider set per distinct provider config
            p = job.provider
            built[key] = (
                instantiate(p.script),
                Providers(
                    voice=instantiate(p.voice),
                    scenes=instantiate(p.scenes),
                    image=instantiate(p.image),
                    music=instantiate(p.music),
                ),
            )
        writer, providers = built[key]
        estimates.append(estimate_job(cfg, catalog, writer=writer, providers=providers))
    caps = sweeper.config.cost_cap
    print(dry_run_text(estimates, per_video=caps.per_video_usd, per_sweep=caps.per_sweep_usd), flush=True)
    return []
