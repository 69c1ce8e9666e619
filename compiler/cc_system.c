/* cc_system.c — the built-in System module, written in MDL and compiled before user sources.
 * Only what offline apps and the sync server need: users and roles, files and images, the
 * error object of microflow handlers and the record of rejected synchronizations. */
#include "cc_system.h"

const char nf_cc_system_mdl[] =
    "create module System;\n"
    "create persistent entity System.User (\n"
    "  Name: String(100), Password: HashedString, LastLogin: DateTime,\n"
    "  Blocked: Boolean default false, Active: Boolean default true,\n"
    "  WebServiceUser: Boolean default false, IsAnonymous: Boolean default false);\n"
    "create persistent entity System.UserRole (Name: String(100), Description: String(1000));\n"
    "create association System.UserRoles from System.User to System.UserRole type ReferenceSet;\n"
    "create persistent entity System.FileDocument (\n"
    "  FileID: Long, Name: String(400), DeleteAfterDownload: Boolean default false,\n"
    "  Contents: Binary, HasContents: Boolean default false, Size: Long default -1);\n"
    "create persistent entity System.Image extends System.FileDocument (\n"
    "  PublicThumbnailPath: String(512), EnableCaching: Boolean default true);\n"
    "create non-persistent entity System.Error (\n"
    "  ErrorType: String(200), Message: String(unlimited), Stacktrace: String(unlimited));\n"
    "create persistent entity System.SynchronizationError (\n"
    "  Reason: String(unlimited), ObjectId: String(36), ObjectType: String(200),\n"
    "  ObjectContent: String(unlimited));\n"
    "create non-persistent entity System.QuarantinedObject (\n"
    "  Qid: Long, ObjectType: String(200), ObjectId: String(36), Status: String(20),\n"
    "  Reason: String(unlimited), DeviceContent: String(unlimited),\n"
    "  ServerContent: String(unlimited), QuarantinedAt: DateTime);\n"
    "create javascript action System.Quarantine_List () returns List of System.QuarantinedObject;\n"
    "create javascript action System.Quarantine_Resubmit (Qid: Long) returns Boolean;\n";
