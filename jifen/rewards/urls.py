from django.urls import path

from jifen.rewards import views

app_name = "rewards"

urlpatterns = [
    path("", views.store, name="store"),
    path("orders/mine/", views.my_orders, name="my_orders"),
    path("orders/mine/<int:pk>/cancel/", views.cancel_mine, name="cancel_mine"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order, name="order"),
    path("orders/<int:pk>/<slug:action>/", views.order_action, name="order_action"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.reward_form, name="create"),
    path("manage/<str:code>/edit/", views.reward_form, name="edit"),
    path("item/<str:code>/", views.reward, name="reward"),
    path("item/<str:code>/picture/", views.picture, name="picture"),
]
