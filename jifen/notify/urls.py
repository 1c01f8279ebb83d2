from django.urls import path

from jifen.notify import views

app_name = "notify"

urlpatterns = [
    # everyone: the inbox and how to be told
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.inbox_open, name="open"),
    path("mark/", views.inbox_mark, name="mark"),
    path("preferences/", views.preferences, name="preferences"),
    path("learning-plans/", views.learning_plans, name="learning_plans"),
    path("learning-plans/<int:pk>/", views.learning_plan, name="learning_plan"),
    # system admins: channels, the delivery log, background jobs
    path("channels/", views.channels, name="channels"),
    path("channels/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="delivery_resend"),
    path("jobs/", views.job_runs, name="jobs"),
    path("jobs/<int:pk>/", views.job_run, name="job"),
    path("jobs/run/<slug:name>/", views.job_run_now, name="job_run_now"),
]
