// The app's words the end-to-end tests look for, in both languages, each under its key in
// src/i18n.rs (the strings must match that file). Page objects take their labels from here;
// the tests reach them through the page objects.
export const LABELS = {
  zh: {
    // The record form.
    save: "保存",
    saved: "已保存到本机",
    // The item page and its record history.
    correct: "更正",
    delete: "删除",
    corrected: "已更正",
    keep_this: "保留此值",
    no_records: "暂无记录",
    // The sync badge.
    sync_now: "立即同步",
    sync_server_fault: "服务器故障，将自动重试",
    // The overview.
    overdue: "已逾期",
    at_risk: "有风险",
    // Settings.
    configured: "已通过设置链接完成配置",
    new_plan: "新建计划",
    new_plan_copy: "复制当前计划的结构",
    sign_out: "退出账号",
    // The banner of a tablet the server refused.
    drop_refused: "放弃被拒绝的计划修改（保留记录）",
    // A record's photos and location.
    take_photo: "拍照",
    choose_photos: "从相册选择",
    attach_location: "附加位置",
    open_photo: "查看照片",
    close: "关闭",
    photo_not_image: "无法读取，不是可识别的图片（HEIC 等格式请先转为 JPEG）",
    // The report page.
    report_status: "完成情况",
    cell_conflict: "两台设备同时修改了此单元格，请选择保留哪一段文字：",
  },
  en: {
    save: "Save",
    saved: "Saved on this device",
    correct: "Correct",
    delete: "Delete",
    corrected: "corrected",
    keep_this: "Keep this",
    no_records: "No records yet",
    sync_now: "Sync now",
    sync_server_fault: "Server fault, retrying",
    overdue: "Overdue",
    at_risk: "At risk",
    configured: "Configured from the setup link",
    new_plan: "New plan",
    new_plan_copy: "Copy the current plan's structure",
    sign_out: "Sign out",
    drop_refused: "Drop the refused plan changes (keep the records)",
    take_photo: "Take a photo",
    choose_photos: "Choose from gallery",
    attach_location: "Attach location",
    open_photo: "Open photo",
    close: "Close",
    photo_not_image: "could not be read: not an image this browser can decode (convert HEIC to JPEG first)",
    report_status: "Status text",
    cell_conflict: "Two devices edited this cell at the same time. Choose the text to keep:",
  },
};

/** The labels of a language ("zh", the tests' locale, unless told). */
export function labels(lang = "zh") {
  const t = LABELS[lang];
  if (!t) throw new Error(`no labels for language ${lang}`);
  return t;
}
