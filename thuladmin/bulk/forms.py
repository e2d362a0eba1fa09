"""The forms of every bulk job: paste or upload a list, then confirm its preview. Each kind
subclasses `BulkItemsForm` with its own wording and options."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuladmin.bulk.kinds import BulkKind, kind_for
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.parsing import ParseResult

# A pasted list and an uploaded file may each be this large (100,000 numbers take about 1 MB).
# settings.DATA_UPLOAD_MAX_MEMORY_SIZE leaves room above it, so that a list just over it gets
# this form's message, and anything far larger the request-size page (thuladmin/limits.py).
MAX_INPUT_BYTES = settings.BULK_MAX_INPUT_BYTES
MAX_UPLOAD_BYTES = MAX_INPUT_BYTES
UPLOAD_EXTENSIONS = (".txt", ".csv")
# Refused tokens listed on a page; the CSV export of a job has all of them.
INVALID_SHOWN = 100
# Suspicious items listed on the preview, each with its tick box; "all of them" covers the rest.
SUSPICIOUS_SHOWN = 200


def grouped(number: int) -> str:
    """A count as the page shows it, with the active language's thousands separator."""
    return number_format(number, force_grouping=True)


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


class RetryLaterForm(forms.Form):
    """How long to wait before sending again the items worth retrying later (in a call)."""

    minutes = forms.IntegerField(
        label=gettext_lazy("In how many minutes, from 1 to 120"),
        min_value=1,
        max_value=120,
        initial=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class StartForm(forms.Form):
    """The preview's confirmation, which queues the job.

    When the job's kind asks for it (a large job, or one that cannot be undone), something must
    be typed first (the campaign id, or the count: see `BulkKind.confirmation`), so that no job
    of that size starts from a stray click.
    """

    confirmation = forms.CharField(
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )

    include_suspicious = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Send these anyway"), coerce=int, required=False
    )
    include_all_suspicious = forms.BooleanField(
        label=gettext_lazy("Send all the suspicious ones anyway"), required=False
    )

    def __init__(self, *args: Any, job: BulkJob, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        self.suspicious = (
            list(job.items.suspicious()[:SUSPICIOUS_SHOWN]) if job.suspicious_count else []
        )
        if self.suspicious:
            self.fields["include_suspicious"].choices = [
                (item.pk, item.value) for item in self.suspicious
            ]
        else:
            del self.fields["include_suspicious"]
            del self.fields["include_all_suspicious"]
        self.expected = kind_for(job.kind).confirmation(job)
        if self.expected is None:
            del self.fields["confirmation"]
            return
        field = self.fields["confirmation"]
        field.label = self.expected.label
        if self.expected.numeric:
            field.widget.attrs["inputmode"] = "numeric"

    @property
    def expects(self) -> bool:
        """Whether something must be typed (the template shows the field then)."""
        return self.expected is not None

    def suspicious_to_include(self) -> list[int]:
        """The ids of the suspicious items ticked in (all of them if so asked)."""
        if not self.suspicious:
            return []
        if self.cleaned_data.get("include_all_suspicious"):
            return list(self.job.items.suspicious().values_list("pk", flat=True))
        return list(self.cleaned_data.get("include_suspicious") or [])

    def clean_confirmation(self) -> str:
        typed = self.cleaned_data["confirmation"]
        if not self.expected.matches(typed):
            raise forms.ValidationError(self.expected.mismatch_message, code="mismatch")
        return typed.strip()


def items_form_context(form: BulkItemsForm) -> dict[str, Any]:
    """What a paste page shows of a list that could not become a job: its refused tokens."""
    refused = form.parsed.invalid if form.parsed is not None and form.errors else []
    return {
        "refused": refused[:INVALID_SHOWN],
        "refused_total": len(refused),
        "refused_more": max(len(refused) - INVALID_SHOWN, 0),
    }
