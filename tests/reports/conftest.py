"""Files at every stage of the dashboard, built with the factories (real rows, real pages)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from archive.catalogue.models import FileStatus
from archive.extensions import db
from archive.scanning.models import QcFinding, SpotCheck


@pytest.fixture
def stages(app, factory):  # type: ignore[no-untyped-def]
    """Six files of three enterprises in 德胜 and 月坛, one at each stage, one passed on, one with a QC error."""

    def person(street, employer, level):  # type: ignore[no-untyped-def]
        return factory.person(street=street, employer=employer, employer_level=level)

    received = factory.file("德胜", person=person("德胜", "北京第一机床厂", "central"))
    catalogued = factory.file("德胜", person=person("德胜", "燕京啤酒厂", "municipal"),
                              status=FileStatus.CATALOGUED, volumes_copy=1)
    # on loan: digitised because it has current pages (its status no longer says so)
    digitised = factory.file("月坛", person=person("月坛", "燕京啤酒厂", "municipal"), status=FileStatus.ON_LOAN)
    accepted = factory.file("月坛", person=person("月坛", "西城服装厂", "district"), status=FileStatus.DIGITISED,
                            custody="street", volumes_original=2)
    failing = factory.file("月坛", person=person("月坛", "西城服装厂", "district"), status=FileStatus.DIGITISED)
    passed_on = factory.file("德胜", person=person("德胜", "西城服装厂", "district"), status=FileStatus.TRANSFERRED)
    jobs = {name: factory.ingested(f) for name, f in (("digitised", digitised), ("accepted", accepted),
                                                      ("failing", failing))}
    with app.app_context():
        # The accepted file's batch passed its spot check; the failing file's passed too, but it has an open
        # QC error.  The digitised file's sample is still pending.
        for name in ("accepted", "failing"):
            db.session.execute(update(SpotCheck).where(SpotCheck.id == jobs[name]["check"]).values(result="pass"))
        db.session.execute(update(QcFinding).where(QcFinding.id == jobs["failing"]["finding"])
                           .values(severity="error"))
        db.session.commit()
    return {"received": received, "catalogued": catalogued, "digitised": digitised, "accepted": accepted,
            "failing": failing, "passed_on": passed_on}

