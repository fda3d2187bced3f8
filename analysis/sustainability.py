"""Did gains hold after a deployment ended? Governed: a figure the disclosure rule hides is
written in words, and a change or verdict that compares it is withheld."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis import formats, governed
from analysis.pack_tables import PackFacts, _date, _school_names, hidden_text
from analysis.periods import period_index, period_indexes, period_of_date
from analysis.schema import MEASURES, measure_label


def _better(measure: str) -> int:
    return MEASURES[measure].better if measure in MEASURES else 1


def sustainability(facts: PackFacts, urns: list[str], today: dt.date | None = None
                   ) -> pd.DataFrame:
    """targets + deployments + measures -> did gains hold after the deployment ended?

    For each target whose deployment has ended, the measure at the deployment's end (the
    latest result at or before its end period) is compared with the latest result since.
    Returns URN, School, Target, Measure, Subgroup, Deployment, Leader, Ended, At end,
    End period, Latest since, Latest period, Change (points), Verdict.
    """
    today = today or facts.as_of or dt.date.today()
    settings, names = facts.settings, _school_names(facts.dataset)
    hide = hidden_text(settings)
    deployments = facts.dataset.deployments.set_index("deployment_id")
    running = "support still running"
    rows = []
    targets = facts.dataset.targets[facts.dataset.targets["client_urn"].isin(urns)]
    series_rows = governed.series_rows(facts.dataset.measures)
    for _, target in targets.iterrows():
        deployment_id = target.get("deployment_id")
        if pd.isna(deployment_id) or deployment_id not in deployments.index:
            continue
        end = pd.to_datetime(deployments.at[deployment_id, "end_date"], errors="coerce")
        if pd.isna(end) or end.date() > today:
            # Still running at the data's date: nothing to sustain yet, and the table says so
            # in words rather than a column of dashes (issue 13).
            rows.append({
                "URN": target["client_urn"],
                "School": names.get(target["client_urn"], target["client_urn"]),
                "Target": target["target_id"], "Measure": measure_label(target["measure"]),
                "Subgroup": target["subgroup"], "Deployment": deployment_id,
                "Leader": deployments.at[deployment_id, "leader_name"],
                "Ended": running if pd.isna(end) else f"ends {_date(end)}",
                "At end": running, "End period": None, "Latest since": running,
                "Latest period": None, "Change (points)": None,
                "Verdict": "Support still running: nothing to judge yet",
                "_measure": target["measure"],
            })
            continue
        end_index = period_index(period_of_date(end.date()))
        subgroup = target["subgroup"] if not pd.isna(target["subgroup"]) else "All"
        # Governed figures: value is missing (and hidden True) wherever the rule hides one.
        series = governed.series_frame(series_rows.get(
            (str(target["client_urn"]), str(target["measure"]), str(subgroup)), []), settings)
        order = period_indexes(series["period"])
        before, after = series[order <= end_index], series[order > end_index]
        row = {
            "URN": target["client_urn"],
            "School": names.get(target["client_urn"], target["client_urn"]),
            "Target": target["target_id"], "Measure": measure_label(target["measure"]),
            "Subgroup": target["subgroup"], "Deployment": deployment_id,
            "Leader": deployments.at[deployment_id, "leader_name"], "Ended": _date(end),
            "At end": None, "End period": None, "Latest since": None, "Latest period": None,
            "Change (points)": None, "_measure": target["measure"],
        }
        if before.empty:
            row["Verdict"] = "No result at the end of the deployment"
        elif after.empty:
            row["Verdict"] = "No results since the deployment ended yet"
        else:
            at_end, since = before.iloc[-1], after.iloc[-1]
            row["End period"], row["Latest period"] = at_end["period"], since["period"]
            if at_end["hidden"] or since["hidden"]:
                # A change compares both figures: it is withheld when either is hidden.
                row["At end"] = hide if at_end["hidden"] else float(at_end["value"])
                row["Latest since"] = hide if since["hidden"] else float(since["value"])
                row["Change (points)"] = hide
                row["Verdict"] = f"Not shown: {hide}"
            else:
                change = float(since["value"]) - float(at_end["value"])
                row["At end"], row["Latest since"] = float(at_end["value"]), float(since["value"])
                row["Change (points)"] = round(change, 1)
                worse = _better(target["measure"]) * change
                row["Verdict"] = ("Gains held" if worse >= 0 else
                                  f"Fell back by {formats.format_change(abs(change))}")
        rows.append(row)
    columns = ["URN", "School", "Target", "Measure", "Subgroup", "Deployment", "Leader", "Ended",
               "At end", "End period", "Latest since", "Latest period", "Change (points)",
               "Verdict", "_measure"]
    return pd.DataFrame(rows, columns=columns)
