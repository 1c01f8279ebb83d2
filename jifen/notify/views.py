"""The inbox (everyone signed in), notification preferences, a learning improvement plan, and for
system admins the group robots and webhooks, the delivery log (resend) and the background job runs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.paging import page_of, query_without_page
from jifen.notify import jobs, selectors, services, tasks
from jifen.notify.channels import ChannelError
from jifen.notify.forms import ChannelForm, PreferenceForm
from jifen.notify.models import Channel, Delivery, DeliveryStatus, JobRun
from jifen.org.permissions import Perm, get_access, require_perm


@login_required
def inbox(request):
    only_unread = request.GET.get("unread") == "1"
    found = selectors.inbox(request.user, unread=only_unread)
    return TemplateResponse(request, "notify/inbox.html", {
        "page": page_of(request, found), "query": query_without_page(request), "only_unread": only_unread,
        "unread": services.unread_count(request.user)})


@login_required
def inbox_open(request, pk: int):
    """Mark it read and go to what it is about (a path inside Jifen only)."""
    notification = get_object_or_404(selectors.inbox(request.user), pk=pk)
    services.mark_read(user=request.user, pks=[notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) \
            and target.startswith("/"):
        return redirect(target)
    return redirect("notify:inbox")


@require_POST
@login_required
def inbox_mark(request):
    """Mark the ticked notifications (or all, with all=1) read or unread."""
    read = request.POST.get("read", "1") == "1"
    if request.POST.get("all") == "1":
        count = services.mark_read(user=request.user, read=read)
    else:
        pks = [int(v) for v in request.POST.getlist("pk") if v.isdigit()]
        count = services.mark_read(user=request.user, pks=pks, read=read)
    messages.success(request, _("%(count)s message(s) marked.") % {"count": count})
    following = str(request.POST.get("next", ""))
    return redirect(following if following.startswith(reverse("notify:inbox")) else "notify:inbox")


@login_required
def preferences(request):
    preference = services.preference_of(request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        services.preference_save(user=request.user, **{name: form.cleaned_data[name] for name in form.fields})
        messages.success(request, _("Notification preferences saved."))
        return redirect("notify:preferences")
    return TemplateResponse(request, "notify/preferences.html", {"form": form})


@login_required
def learning_plans(request):
    """Learning improvement plans: one's own, and those of the people whose learning one sees."""
    status = request.GET.get("status", "open")
    found = selectors.learning_plans_visible(get_access(request)).prefetch_related("courses").order_by(
        "-opened_on", "person__employee_no")
    if status in ("open", "closed"):
        found = found.filter(status=status)
    return TemplateResponse(request, "notify/learning_plans.html", {
        "page": page_of(request, found), "query": query_without_page(request), "status": status})


@login_required
def learning_plan(request, pk: int):
    plan = selectors.learning_plans_visible(get_access(request)).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return TemplateResponse(request, "notify/learning_plan.html", {"plan": plan,
                                                                  "courses": plan.courses.order_by("title")})


# ---------------------------------------------------------------- system admins


@require_perm(Perm.NOTIFY_MANAGE)
def channels(request):
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Channel saved."))
        return redirect("notify:channels")
    return TemplateResponse(request, "notify/channels.html", {
        "channels": Channel.objects.select_related("org_unit").order_by("kind", "name", "pk"), "form": form})


@require_perm(Perm.NOTIFY_MANAGE)
def channel_edit(request, pk: int):
    channel = get_object_or_404(Channel, pk=pk)
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Channel saved."))
        return redirect("notify:channels")
    return TemplateResponse(request, "notify/channel_form.html", {"form": form, "channel": channel})


@require_POST
@require_perm(Perm.NOTIFY_MANAGE)
def channel_test(request, pk: int):
    """Send a test message now and say what the platform answered."""
    channel = get_object_or_404(Channel, pk=pk)
    try:
        services.send_test(channel)
    except ChannelError as error:
        messages.error(request, _("The test message was refused: %(error)s") % {"error": error})
    else:
        messages.success(request, _("Test message sent."))
    return redirect("notify:channels")


@require_perm(Perm.NOTIFY_MANAGE)
def deliveries(request):
    status = request.GET.get("status", "")
    found = Delivery.objects.select_related("user", "channel").order_by("-created_at", "-pk")
    if status in DeliveryStatus.values:
        found = found.filter(status=status)
    else:
        status = ""
    return TemplateResponse(request, "notify/deliveries.html", {
        "page": page_of(request, found), "query": query_without_page(request), "status": status,
        "statuses": DeliveryStatus.choices, "counts": selectors.delivery_counts()})


@require_POST
@require_perm(Perm.NOTIFY_MANAGE)
def delivery_resend(request, pk: int):
    delivery = get_object_or_404(Delivery, pk=pk)
    try:
        services.resend(delivery=delivery)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        tasks.deliver_soon()
        messages.success(request, _("The message is queued to be sent again."))
    return redirect("notify:deliveries")


@require_perm(Perm.NOTIFY_MANAGE)
def job_runs(request):
    return TemplateResponse(request, "notify/jobs.html", {
        "page": page_of(request, JobRun.objects.order_by("-started_at", "-pk")), "query": query_without_page(request),
        "jobs": tasks.JOBS, "stale_after": int(jobs.STALE.total_seconds() // 60), "now": timezone.now()})


@require_POST
@require_perm(Perm.NOTIFY_MANAGE)
def job_run_now(request, name: str):
    if name not in tasks.JOBS:
        raise Http404
    tasks.run_soon(name)
    messages.success(request, _("The job is queued; its progress shows below."))
    return redirect("notify:jobs")


@require_perm(Perm.NOTIFY_MANAGE)
def job_run(request, pk: int):
    """One run's progress (the page polls it with htmx while it runs)."""
    run = get_object_or_404(JobRun, pk=pk)
    template = "notify/_job_row.html" if request.headers.get("HX-Request") else "notify/job.html"
    return TemplateResponse(request, template, {"run": run, "stale_after": int(jobs.STALE.total_seconds() // 60)})
