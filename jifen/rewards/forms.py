import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jifen.org.models import OrgUnit, Position
from jifen.rewards.models import Reward
from jifen.rewards.services import MAX_QUANTITY

PICTURE_MAX = 2 * 1024 * 1024
PICTURE_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg", b"RIFF": "webp"}


def picture_kind(head: bytes) -> str | None:
    """The picture's type read from its first bytes (never from its name): PNG, JPEG or WebP."""
    for magic, kind in PICTURE_TYPES.items():
        if head.startswith(magic) and (kind != "webp" or head[8:12] == b"WEBP"):
            return kind
    return None


class RewardForm(forms.ModelForm):
    units = forms.ModelMultipleChoiceField(
        label=_("Only for these units"), required=False,
        queryset=OrgUnit.objects.filter(archived_at__isnull=True).order_by("path"),
        help_text=_("Empty: everyone. A unit includes its subunits."),
    )
    positions = forms.ModelMultipleChoiceField(
        label=_("Only for these positions"), required=False, queryset=Position.objects.filter(is_active=True),
        help_text=_("Empty: every position."),
    )

    class Meta:
        model = Reward
        fields = ["code", "name", "category", "price", "unit_cost", "stock", "limit_per_person", "limit_period", "description",
                  "picture", "units", "positions", "min_level", "active_from", "active_to", "is_active"]
        widgets = {
            "active_from": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "active_to": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:  # the units the editor may see: a subtree admin names only theirs
            self.fields["units"].queryset = units.filter(archived_at__isnull=True).order_by("path")
        self.fields["units"].label_from_instance = lambda unit: unit.name_path
        if self.instance.pk:
            self.fields["code"].disabled = True  # orders and API clients refer to it

    def clean_picture(self):
        picture = self.cleaned_data.get("picture")
        if not picture or not hasattr(picture, "content_type"):
            return picture  # unchanged
        if picture.size > PICTURE_MAX:
            raise ValidationError(_("The picture is larger than 2 MB."))
        head = picture.read(16)
        picture.seek(0)
        if picture_kind(head) is None:
            raise ValidationError(_("The picture must be a PNG, JPEG or WebP image."))
        return picture

    def clean(self):
        data = super().clean()
        start, end = data.get("active_from"), data.get("active_to")
        if start and end and end <= start:
            self.add_error("active_to", _("The end must come after the start."))
        return data


class OrderForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1)
    # Made when the form is shown: a double click or a resent form orders once.
    key = forms.CharField(widget=forms.HiddenInput, max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["key"] = f"web-{uuid.uuid4().hex}"


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note to the learner"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
