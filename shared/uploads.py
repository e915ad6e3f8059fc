"""How large an uploaded file each kind of upload route takes: the services refuse larger files, and the
gateway's per-route body limits (`GatewaySettings.upload_limits`) are made from the same figures, so a file
a service would take is never turned away at the door, and one it would refuse never crosses it.

A service that makes its limit a setting (the employee import's `ASN_IMPORT_MAX_UPLOAD_BYTES`) takes these as
defaults: raise one and the gateway's `ASN_UPLOAD_LIMITS` with it.
"""

MIB = 1024 * 1024

# Employee, unit and position imports (CSV or XLSX): 100,000 employee rows are about 20 MB of CSV.
SPREADSHEET_IMPORT_BYTES = 32 * MIB
# External training records (CSV).
JP_IMPORT_BYTES = 20 * MIB
# A document of a mutation proposal's file (PDF, JPEG, PNG).
DOCUMENT_BYTES = 20 * MIB
# What a multipart body adds around its file: boundaries, part headers, a form field or two.
MULTIPART_ALLOWANCE = 64 * 1024
