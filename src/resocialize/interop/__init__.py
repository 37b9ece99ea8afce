"""Interoperability: the library's values in the formats other systems read.

- :mod:`resocialize.interop.fhir`: HL7 FHIR R4 resources (CarePlan, Goal,
  EpisodeOfCare, ServiceRequest, Consent, Organization, HealthcareService,
  Contract, Patient, Bundle) as plain JSON-ready dicts (IX-02). Exporting needs
  no extra; validating with ``fhir.resources`` needs ``pip install resocialize[fhir]``.
"""

from __future__ import annotations

__all__: list[str] = []
