"""The forms of bulk deletion: paste or upload a list, then confirm its preview."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.bulk import PHONE_NUMBERS, NumberFormat
from thuladmin.bulk.kinds import BulkKind, kind_for
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.parsing import ParseResult

# A pasted list and an uploaded file may each be this large (100,000 numbers take about 1 MB).
# settings.DATA_UPLOAD_MAX_MEMORY_SIZE leaves room above it, so that a list just over it gets
# this form's message, and anything far larger the request-size page (thuladmin/limits.py).
MAX_INPUT_BYTES = settings.BULK_MAX_INPUT_BYTES
MAX_UPLOAD_BYTES = MAX_INPUT_BYTES
UPLOAD_EXTENSIONS = (".txt", ".csv")
# Thousands separators people type or copy into a count: "1 234", "1,234", "1.234", "1'234".
COUNT_GROUPING = str.maketrans("", "", " \u00a0\u202f,.'\u2019_")
# Refused tokens listed on a page; the CSV export of a job has all of them.
INVALID_SHOWN = 100


def grouped(number: int) -> str:
    """A count as the page shows it, with the active language's thousands separator."""
    return number_format(number, force_grouping=True)


def number_format_description(number_format: str) -> str:
    """What the number format setting does, in the words of the page that shows it."""
    if number_format == NumberFormat.NATIONAL:
        return _(
            "National: a +48 or 0048 prefix is dropped, so +48 600 100 200 is sent as 600100200."
        )
    return _("As typed: numbers are sent as pasted, without spaces, dashes, dots or parentheses.")


class BulkItemsForm(forms.Form):
    """A pasted list or an uploaded .txt/.csv file, parsed by the form's kind into items.

    Once the form has been validated, `parsed` holds what the parser made of the input; it is
    there also when the form is invalid because nothing valid was found, so the page can list
    the refused tokens with their line numbers. Line numbers count in the pasted text or in the
    file, whichever was sent (one or the other, never both, so a line number means one thing).
    """

    kind: ClassVar[BulkKind]
    # Wording that names the kind's items, set by each subclass (a sentence per language,
    # rather than a noun slotted into a shared sentence).
    empty_message: ClassVar[str]
    nothing_valid_message: ClassVar[str]
    limit_message: ClassVar[str]
    # Wording shared by every kind.
    limit_explanation: ClassVar[str] = gettext_lazy(
        "Every entry counts, refused ones and repeats included."
    )
    text_too_large_message: ClassVar[str] = gettext_lazy(
        "The pasted list is larger than 5 MB: split it into several lists."
    )

    text = forms.CharField(
        required=False,
        strip=False,  # leading blank lines count: line numbers must match what was pasted
        widget=forms.Textarea(
            attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off", "class": "items"}
        ),
    )
    upload = forms.FileField(
        label=gettext_lazy("…or upload a file"),
        required=False,
        help_text=gettext_lazy(
            "A .txt or .csv file in UTF-8, up to 5 MB, laid out like the pasted list."
        ),
        widget=forms.FileInput(attrs={"accept": ".txt,.csv,text/plain,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parsed: ParseResult | None = None

    def options(self) -> dict[str, Any]:
        """The job's options, stored with it (and copied to a retry of it)."""
        return {}

    def clean_text(self) -> str:
        """The pasted text, unless it is over the byte limit (counted in UTF-8, as sent)."""
        text = self.cleaned_data["text"]
        # Cheap first: a text of fewer characters than a quarter of the limit fits anyway.
        too_large = len(text) > MAX_INPUT_BYTES // 4 and (
            len(text.encode("utf-8", "replace")) > MAX_INPUT_BYTES
        )
        if too_large:
            raise forms.ValidationError(self.text_too_large_message, code="size")
        return text

    def clean_upload(self) -> str:
        """The uploaded file's text ("" with no file), or an error saying what is wrong."""
        upload = self.cleaned_data.get("upload")
        if not upload:
            return ""
        name = upload.name.lower()
        if not name.endswith(UPLOAD_EXTENSIONS):
            raise forms.ValidationError(
                _("Upload a .txt or .csv file; “%(name)s” is neither."),
                code="extension",
                params={"name": upload.name[:100]},
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB: split it into several files."), code="size"
            )
        data = upload.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                _(
                    "The file is not UTF-8 text (byte %(position)s cannot be read). Save it as "
                    "UTF-8 (in Excel: “CSV UTF-8”) and upload it again."
                ),
                code="encoding",
                params={"position": grouped(error.start + 1)},
            ) from error
        if "\x00" in text:
            raise forms.ValidationError(
                _("The file is not a text file. Upload a .txt or .csv file."), code="binary"
            )
        if name.endswith(".csv"):
            # Spreadsheets quote some cells ("600 100 200"); the quotes are not part of an item.
            text = text.replace('"', "")
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        text = cleaned.get("text") or ""
        upload_text = cleaned.get("upload") or ""
        if text.strip() and upload_text:
            self.add_error(
                "upload", _("Paste a list or upload a file, not both: clear one of them.")
            )
            return cleaned
        source, field = (upload_text, "upload") if upload_text else (text, "text")
        if not source.strip():
            self.add_error(field, self.empty_message)
            return cleaned
        self.parsed = self.kind.parse(source, options=self.options())
        if self.parsed.limit_exceeded:
            self.add_error(
                field,
                f"{self.limit_message % {'limit': grouped(self.parsed.limit)}} "
                f"{self.limit_explanation}",
            )
        elif not self.parsed.items:
            self.add_error(field, self.nothing_valid_message)
        return cleaned


class PhoneNumbersForm(BulkItemsForm):
    """Phone numbers to remove from one campaign."""

    kind = PHONE_NUMBERS
    empty_message = gettext_lazy("Paste some phone numbers or upload a file of them.")
    nothing_valid_message = gettext_lazy(
        "None of these is a phone number: every token was refused (see the list below)."
    )
    limit_message = gettext_lazy(
        "More than %(limit)s phone numbers: split the list into jobs of at most %(limit)s."
    )

    search_in_additional_numbers = forms.BooleanField(
        label=gettext_lazy("Also match the records' additional numbers"),
        required=False,
        help_text=gettext_lazy(
            "Removes a record when one of its additional numbers matches, not only its main one."
        ),
    )

    field_order = ["text", "upload", "search_in_additional_numbers"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Phone numbers")
        self.fields["text"].help_text = _(
            "One a line, or separated by commas, semicolons, tabs or spaces. Spaces, dashes, dots "
            "and parentheses inside a number are ignored."
        )
        self.fields["text"].widget.attrs["placeholder"] = "600 100 200\n+48 600-100-201"

    def options(self) -> dict[str, Any]:
        return {
            "number_format": settings.PHONE_NUMBER_FORMAT,
            "search_in_additional_numbers": bool(
                self.cleaned_data.get("search_in_additional_numbers")
            ),
        }


class StartForm(forms.Form):
    """The preview's confirmation, which queues the job.

    A large job (or, for kinds that cannot be undone, any job) asks for something to be typed
    (the campaign id, or the count) so that no job of that size starts from a stray click.
    """

    confirmation = forms.CharField(
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )

    def __init__(self, *args: Any, job: BulkJob, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        count = grouped(job.item_count)
        if kind_for(job.kind).always_type_to_confirm:
            self.expects = "count"
            self.fields["confirmation"].label = _(
                "Type the number of customers to delete, %(count)s, to confirm"
            ) % {"count": count}
            self.fields["confirmation"].widget.attrs["inputmode"] = "numeric"
        elif job.item_count >= settings.BULK_TYPED_CONFIRMATION_THRESHOLD:
            self.expects = "campaign"
            self.fields["confirmation"].label = _(
                "This is a large job: type the campaign id, %(campaign_id)s, to confirm"
            ) % {"campaign_id": job.campaign_id}
        else:
            self.expects = ""
            del self.fields["confirmation"]

    def clean_confirmation(self) -> str:
        typed = self.cleaned_data["confirmation"].strip()
        if self.expects == "count":
            if typed.translate(COUNT_GROUPING) != str(self.job.item_count):
                raise forms.ValidationError(
                    _("That is not the count: type %(count)s to delete these customers."),
                    code="mismatch",
                    params={"count": grouped(self.job.item_count)},
                )
        elif typed != self.job.campaign_id:
            raise forms.ValidationError(
                _("That is not the campaign id: type %(campaign_id)s to start."),
                code="mismatch",
                params={"campaign_id": self.job.campaign_id},
            )
        return typed


def items_form_context(form: BulkItemsForm) -> dict[str, Any]:
    """What a paste page shows of a list that could not become a job: its refused tokens."""
    refused = form.parsed.invalid if form.parsed is not None and form.errors else []
    return {
        "refused": refused[:INVALID_SHOWN],
        "refused_total": len(refused),
        "refused_more": max(len(refused) - INVALID_SHOWN, 0),
    }
