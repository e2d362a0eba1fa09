"""The sandbox's endpoints, one module per family of Thulium paths (relative to its `/api/`).

- `campaigns`: `outbounds/stats`, `outbounds/:id/statuses`, `outbounds/:id/agents` (reads).
- `records`: `outbounds/:id/records`, a page of a campaign's records (GET) or one added (POST).
- `records_by_identifier`: `outbounds/:id/records_by_identifier/:identifier`, one record
  edited (PUT) or deleted (DELETE).
- `batch_records`: `batch/outbounds/:id/records`, records deleted by phone number.
- `status_by_phone_number`: `outbound_status_by_phone_number`, a status set on a number's
  records in every campaign.
- `customers`: `customers/:id` (one customer) and `batch/customers` (customers deleted by id).
- `not_found`: any other path, a JSON 404.

Each view wears `thuladmin.sandbox.endpoint.endpoint` and keeps to what its endpoint decides;
what they share is named in the package above (see `thuladmin.sandbox`). The families never
import each other. Where the contract leaves a behaviour open, the view's docstring says what
the sandbox does.
"""
