from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.learning.exams.models import Quiz
from jifen.learning.study.models import Lesson

VIDEO_TYPES = {".mp4", ".webm", ".ogv", ".m4v"}
DOCUMENT_TYPES = {".pdf", ".txt", ".docx", ".pptx", ".xlsx", ".md"}
MAX_UPLOAD = 1024 * 1024 * 1024  # 1 GB


def _suffix(name: str) -> str:
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


class LessonForm(forms.ModelForm):
    class Meta:
        model = Lesson
        fields = ["title", "position", "kind", "video_file", "video_url", "duration_seconds", "document", "body",
                  "min_seconds", "min_watched_percent", "quiz", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quiz"].queryset = Quiz.objects.filter(course=course).order_by("pk")
        self.fields["min_watched_percent"].max_value = 100
        self.fields["min_watched_percent"].widget.attrs["max"] = 100

    def clean_video_url(self):
        url = self.cleaned_data.get("video_url", "").strip()
        if url and not url.lower().startswith(("http://", "https://", "/")):
            raise forms.ValidationError(_("Give an address starting with http://, https:// or /."))
        return url

    def clean_video_file(self):
        upload = self.cleaned_data.get("video_file")
        if upload and hasattr(upload, "content_type"):
            if _suffix(upload.name) not in VIDEO_TYPES:
                raise forms.ValidationError(_("Upload a video as .mp4 or .webm."))
            if upload.size > MAX_UPLOAD:
                raise forms.ValidationError(_("The file is larger than 1 GB."))
        return upload

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if upload and hasattr(upload, "content_type"):
            if _suffix(upload.name) not in DOCUMENT_TYPES:
                raise forms.ValidationError(_("Upload a document as .pdf, .docx, .pptx, .xlsx or .txt."))
            if upload.size > MAX_UPLOAD:
                raise forms.ValidationError(_("The file is larger than 1 GB."))
        return upload
